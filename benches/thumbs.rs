//! Thumbnail figures for the README.
//!
//! `cargo bench --bench thumbs` measures how many 1280×720 JPEG stills (generated,
//! never downloaded) [`podium::thumbs::still::make_files`] turns into the files the
//! cache stores (480×270 and 240×135 lossy WebP, 480×270 JPEG) per second, on one
//! thread and on all (rayon), as medians of `PODIUM_BENCH_ROUNDS` rounds (default
//! 5) of 48 images, against the JPEG-only files of before on one thread, and the
//! sizes of the files: WebP at several qualities against JPEG q75.
//!
//! `cargo bench --bench thumbs -- --populate DATA CACHE` fills the thumbnail cache
//! folder `CACHE` (e.g. `SITE/.podium-cache`) with a distinct generated still for
//! every talk of `DATA`, as `podium thumbnails` would have: for
//! `benches/thumbs_build.sh`. `--sizes FILE…` reports the same sizes for real stills.

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

/// WebP qualities compared.
const QUALITIES: [f32; 5] = [50.0, 60.0, 70.0, 75.0, 80.0];

/// Peak signal-to-noise ratio (dB) of `encoded` against `reference`: how much of
/// the still a format keeps, so that sizes are compared at equal quality.
fn psnr(reference: &image::DynamicImage, encoded: &[u8]) -> f64 {
    let (a, b) = (reference.to_rgb8(), still::decode(encoded).unwrap().to_rgb8());
    let se: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum();
    let mse = se / a.as_raw().len() as f64;
    10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
}

/// For JPEG q75 and then WebP at each of [`QUALITIES`]: the sizes in bytes of both
/// stored sizes of `bytes` and the PSNR of the large one, printed as one line.
fn report_sizes(label: &str, bytes: &[u8]) -> Vec<(usize, usize, f64)> {
    let img = still::decode(bytes).unwrap();
    let large = img.resize_to_fill(480, 270, image::imageops::FilterType::Triangle);
    let small = large.resize_to_fill(240, 135, image::imageops::FilterType::Triangle);
    let jpeg = still::encode_jpeg(&large).unwrap();
    let mut all = vec![(
        jpeg.len(),
        still::encode_jpeg(&small).unwrap().len(),
        psnr(&large, &jpeg),
    )];
    for q in QUALITIES {
        let webp = still::encode_webp(&large, q).unwrap();
        all.push((
            webp.len(),
            still::encode_webp(&small, q).unwrap().len(),
            psnr(&large, &webp),
        ));
    }
    println!("{label}: {}", describe(&all));
    all
}

/// `JPEG q75 480×270 B/240×135 B (PSNR); WebP q… …`.
fn describe(sizes: &[(usize, usize, f64)]) -> String {
    let names =
        std::iter::once(format!("JPEG q{}", still::QUALITY)).chain(QUALITIES.iter().map(|q| format!("WebP q{q}")));
    names
        .zip(sizes)
        .map(|(n, (l, s, p))| format!("{n} {l}/{s} B ({p:.1} dB)"))
        .collect::<Vec<_>>()
        .join("; ")
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
            let files = still::files_of(&still::decode(&raw).unwrap()).unwrap();
            for (name, bytes) in thumbs::file_names(&key).zip(files) {
                std::fs::write(dir.join(name), bytes).unwrap();
            }
            let entry = Entry {
                status: Status::Ok,
                file: Some(key),
                etag: None,
                last_modified: None,
                checked: 0,
                error: None,
                image: None,
            };
            (w.url.clone(), entry)
        })
        .collect();
    let manifest = Manifest {
        version: thumbs::VERSION,
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
        let mut sums = vec![(0usize, 0usize, 0f64); QUALITIES.len() + 1];
        let files = &args[pos + 1..];
        for f in files {
            for (sum, s) in sums.iter_mut().zip(report_sizes(f, &std::fs::read(f).unwrap())) {
                *sum = (sum.0 + s.0, sum.1 + s.1, sum.2 + s.2);
            }
        }
        let n = files.len().max(1);
        let means: Vec<(usize, usize, f64)> = sums.iter().map(|s| (s.0 / n, s.1 / n, s.2 / n as f64)).collect();
        println!("mean of {}: {}", files.len(), describe(&means));
        return;
    }
    let rounds: usize = std::env::var("PODIUM_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let images: Vec<Vec<u8>> = (0..48)
        .map(|i| still::generated(1280, 720, i, ImageFormat::Jpeg))
        .collect();
    for (i, img) in images.iter().take(3).enumerate() {
        report_sizes(&format!("generated 1280×720 JPEG #{i}"), img);
    }
    let mut one = Vec::new();
    let mut all = Vec::new();
    let mut jpeg_only = Vec::new();
    for _ in 0..rounds {
        // What the cache stored before WebP (both sizes as JPEG q75), in the same
        // rounds, so that the cost of WebP is a ratio from one run.
        let t = Instant::now();
        for img in &images {
            let large = still::decode(img)
                .unwrap()
                .resize_to_fill(480, 270, image::imageops::FilterType::Triangle);
            let small = large.resize_to_fill(240, 135, image::imageops::FilterType::Triangle);
            still::encode_jpeg(&large).unwrap();
            still::encode_jpeg(&small).unwrap();
        }
        jpeg_only.push(images.len() as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        for img in &images {
            still::make_files(img).unwrap();
        }
        one.push(images.len() as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        images.par_iter().for_each(|img| {
            still::make_files(img).unwrap();
        });
        all.push(images.len() as f64 / t.elapsed().as_secs_f64());
    }
    println!(
        "1280×720 JPEG → 480×270 + 240×135 WebP q{} + 480×270 JPEG: {:.1} images/s on one thread, {:.1} on {} threads (medians of {rounds} rounds of {})",
        still::WEBP_QUALITY,
        median(one),
        median(all),
        rayon::current_num_threads(),
        images.len()
    );
    println!(
        "the same into 480×270 + 240×135 JPEG only (before WebP): {:.1} images/s on one thread",
        median(jpeg_only)
    );
}
