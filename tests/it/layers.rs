//! The modules of `src/` form layers: no module uses one that uses it back, directly
//! or through others (mdBook gets this from its crates; one crate keeps it by hand).
//! The graph is read from the source: every `crate::<module>` path (and each name in
//! `use crate::{…}`) outside comments, per top-level module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::repo;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Drops `//` comments (doc comments included: their links are not imports) and
/// string literals, which may hold any text.
fn code_only(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut in_str = false;
    for line in src.lines() {
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_str {
                if c == '"' && prev != '\\' {
                    in_str = false;
                }
                prev = if prev == '\\' && c == '\\' { ' ' } else { c };
                continue;
            }
            if c == '/' && chars.peek() == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\'' {
                in_str = true;
            } else {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// The modules `code` names after `crate::`, including every first name inside
/// `crate::{a, b::c, …}` groups.
fn referenced(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Only the outer level of the group names modules.
            let mut depth = 0;
            let mut start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && depth == 0 && !c.is_whitespace() => {
                        found.insert(ident(&group[j..]));
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found
}

/// Top-level module → the other top-level modules it uses (`main.rs` and `lib.rs`
/// are the roots and left out).
fn module_graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    for e in walkdir::WalkDir::new(src).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(src).unwrap();
        if e.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "main" || module == "lib" {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(e.path()).unwrap());
        let uses = graph.entry(module.clone()).or_default();
        uses.extend(referenced(&code).into_iter().filter(|m| *m != module && !m.is_empty()));
    }
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|m| known.contains(m));
    }
    graph
}

/// The strongly connected components of more than one module (Tarjan), each sorted.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in &s.graph[v] {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// How each module of a cycle reaches the next one, for the failure message.
fn describe(graph: &Graph, cycle: &[String]) -> String {
    cycle
        .iter()
        .map(|m| {
            let inside: Vec<&str> = graph[m]
                .iter()
                .filter(|x| cycle.contains(x))
                .map(String::as_str)
                .collect();
            format!("{m} → {}", inside.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn the_reader_sees_uses_and_not_comments() {
    let code = code_only("use crate::a::X;\n/// see [`crate::b`]\nlet s = \"crate::c\"; crate::{d, e::{f, g}, h};");
    assert_eq!(referenced(&code), ["a", "d", "e", "h"].map(String::from).into());
    let mut g = Graph::new();
    for (a, b) in [("x", "y"), ("y", "z"), ("z", "x"), ("z", "w")] {
        g.entry(a.into()).or_default().insert(b.into());
        g.entry(b.into()).or_default();
    }
    assert_eq!(cycles(&g), vec![vec!["x".to_string(), "y".into(), "z".into()]]);
}

#[test]
fn no_module_cycle() {
    let graph = module_graph(&repo().join("src"));
    assert!(graph.len() > 20, "read the modules: {graph:?}");
    assert!(graph["render"].contains("model"), "read the uses: {graph:?}");
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "{}",
        found.iter().map(|c| describe(&graph, c)).collect::<Vec<_>>().join("\n")
    );
}
