//! Thumbnail figures for the README.
//!
//! `cargo bench --bench thumbs` measures how many 1280×720 JPEG stills (generated,
//! never downloaded) [`podium::thumbs::still::make_sizes`] turns into the two JPEG
//! sizes per second, on one thread and on all (rayon), as medians of
//! `PODIUM_BENCH_ROUNDS` rounds (default 5) of 48 images, and the sizes of
//! the files it writes, against the `image` crate's lossless WebP.
//!
//! `cargo bench --bench thumbs -- --populate DATA CACHE` fills the thumbnail cache
//! folder `CACHE` (e.g. `SITE/.podium-cache`) with a distinct generated still for
//! every talk of `DATA`, as `podium thumbnails` would have: for
//! `benches/thumbs_build.sh`. Optional file arguments after `--sizes` report the
//! output sizes of real stills.

// Tests and benches may unwrap: a panic is their failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use image::ImageFormat;
use podium::thumbs::{self, still, Entry, Manifest, Status};
use rayon::prelude::*;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn webp_size(img: &image::DynamicImage, w: u32, h: u32) -> usize {
    let small = img.resize_to_fill(w, h, image::imageops::FilterType::Triangle);
    still::encode_webp_lossless(&small).unwrap().len()
}

fn report_sizes(label: &str, bytes: &[u8]) {
    let files = still::make_sizes(bytes).unwrap();
    let img = still::decode(bytes).unwrap();
    println!(
        "{label}: JPEG q{} 480×270 {:.1} KB, 240×135 {:.1} KB; lossless WebP 480×270 {:.1} KB, 240×135 {:.1} KB",
        still::QUALITY,
        files[0].len() as f64 / 1024.0,
        files[1].len() as f64 / 1024.0,
        webp_size(&img, 480, 270) as f64 / 1024.0,
        webp_size(&img, 240, 135) as f64 / 1024.0,
    );
}

fn populate(data: &Path, cache: &Path) {
    let loaded = podium::load::load(data, &podium::load::LoadOptions { follow_links: false }).unwrap();
    let (archive, _) = podium::normalize::normalize(
        loaded,
        &podium::normalize::NormalizeOptions {
            drafts: false,
            url_style: Default::default(),
        },
    );
    let dir = cache.join(thumbs::DIR);
    std::fs::create_dir_all(&dir).unwrap();
    let wanted = thumbs::fetch::wanted(&archive);
    let started = Instant::now();
    let entries: Vec<(String, Entry)> = wanted
        .par_iter()
        .enumerate()
        .map(|(i, w)| {
            // A small distinct still per URL, straight at the stored sizes (what the
            // build copies is the same either way; decoding a 1280×720 still is
            // what the throughput figure above measures).
            let key = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(w.url.as_bytes()));
            let raw = still::generated(480, 270, i as u32, ImageFormat::Png);
            let img = still::decode(&raw).unwrap();
            let mut source = img;
            for (width, height) in still::SIZES {
                let resized = source.resize_to_fill(width, height, image::imageops::FilterType::Triangle);
                std::fs::write(
                    dir.join(thumbs::file_name(&key, width)),
                    still::encode(&resized).unwrap(),
                )
                .unwrap();
                source = resized;
            }
            let entry = Entry {
                status: Status::Ok,
                file: Some(key),
                etag: None,
                last_modified: None,
                checked: 0,
                error: None,
            };
            (w.url.clone(), entry)
        })
        .collect();
    let manifest = Manifest {
        version: 1,
        entries: entries.into_iter().collect(),
    };
    manifest.save(&dir).unwrap();
    println!(
        "populated {} with {} stills in {:.1}s",
        dir.display(),
        manifest.entries.len(),
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.first().map(String::as_str) == Some("--populate") {
        populate(Path::new(&args[1]), Path::new(&args[2]));
        return;
    }
    if let Some(pos) = args.iter().position(|a| a == "--sizes") {
        for f in &args[pos + 1..] {
            report_sizes(f, &std::fs::read(f).unwrap());
        }
        return;
    }
    let rounds: usize = std::env::var("PODIUM_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let images: Vec<Vec<u8>> = (0..48)
        .map(|i| still::generated(1280, 720, i, ImageFormat::Jpeg))
        .collect();
    report_sizes("generated 1280×720 JPEG", &images[0]);
    let mut one = Vec::new();
    let mut all = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        for img in &images {
            still::make_sizes(img).unwrap();
        }
        one.push(images.len() as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        images.par_iter().for_each(|img| {
            still::make_sizes(img).unwrap();
        });
        all.push(images.len() as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "1280×720 JPEG → 480×270 + 240×135 JPEG: {:.1} images/s on one thread, {:.1} on {} threads (medians of {rounds} rounds of {})",
        median(one),
        median(all),
        rayon::current_num_threads(),
        images.len()
    );
}
