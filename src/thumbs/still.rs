//! Turns a downloaded still (untrusted bytes) into the two JPEG sizes the theme
//! shows, refusing anything that could cost unbounded memory or time: the format
//! is sniffed from the bytes (never the URL or `Content-Type`), the dimensions are
//! read from the header before anything is decoded, and the decoder is limited too.

use std::io::Cursor;

use anyhow::{bail, Context, Result};
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// Largest still accepted, each side, in pixels.
pub const MAX_SIDE: u32 = 8_000;
/// Largest memory the decoder may allocate: an 8,000 × 8,000 RGBA image.
const MAX_ALLOC: u64 = 8_000 * 8_000 * 4;

/// The sizes stored and served (16:9, cropped to fill), largest first.
pub const SIZES: [(u32, u32); 2] = [(480, 270), (240, 135)];

/// The formats the archives' thumbnails come in (and the codecs podium is built with).
const FORMATS: [ImageFormat; 3] = [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP];

/// Decodes `bytes` and returns the encoded files, one per entry of [`SIZES`].
pub fn make_sizes(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let image = decode(bytes)?;
    let mut out = Vec::with_capacity(SIZES.len());
    let mut source = image;
    for (w, h) in SIZES {
        // Each size from the one before: the big one is cropped from the still
        // (centred, to fill 16:9: YouTube's 4:3 stills lose their black bars),
        // the small one halves it.
        let resized = source.resize_to_fill(w, h, FilterType::Triangle);
        out.push(encode(&resized)?);
        source = resized;
    }
    Ok(out)
}

/// Decodes an image after checking its format and size from its header alone.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .context("cannot read the image")?;
    let format = match reader.format() {
        Some(f) if FORMATS.contains(&f) => f,
        Some(f) => bail!("unsupported image format {f:?}"),
        None => bail!("not an image (JPEG, PNG or WebP)"),
    };
    let (w, h) = reader
        .into_dimensions()
        .with_context(|| format!("cannot read the size of the {format:?} image"))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        bail!("image is {w}×{h} pixels, over the limit of {MAX_SIDE} a side");
    }
    if w == 0 || h == 0 {
        bail!("image is empty ({w}×{h} pixels)");
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader
        .decode()
        .with_context(|| format!("cannot decode the {format:?} image ({w}×{h})"))
}

/// JPEG quality of the stored stills.
pub const QUALITY: u8 = 75;
/// Extension of the stored stills.
pub const EXT: &str = "jpg";

/// Encodes a stored still as JPEG. Not WebP: the `image` crate's only WebP
/// encoder is lossless, and its files came out 4 to 6 times larger (a 240×135
/// still: 56–68 KB against 10–16 KB; see README), too heavy for a list page of 50;
/// lossy WebP would need libwebp (C) built into podium.
pub fn encode(image: &DynamicImage) -> Result<Vec<u8>> {
    let rgb = image.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .context("cannot encode JPEG")?;
    Ok(out)
}

/// Lossless WebP, for the size comparison in `benches/thumbs.rs`.
pub fn encode_webp_lossless(image: &DynamicImage) -> Result<Vec<u8>> {
    let rgb = image.to_rgb8();
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(rgb.as_raw(), rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8)
        .context("cannot encode WebP")?;
    Ok(out)
}

/// A generated test still: a `w`×`h` gradient seeded by `seed`, encoded as `format`
/// (for tests and benches; not a real photo, but with detail to compress).
pub fn generated(w: u32, h: u32, seed: u32, format: ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = x.wrapping_mul(7) ^ y.wrapping_mul(13) ^ seed.wrapping_mul(2_654_435_761);
        image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, (v >> 3) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    // Writing into memory cannot fail for these formats and sizes.
    let _ = DynamicImage::ImageRgb8(img).write_to(&mut out, format);
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_and_jpeg_become_two_jpeg_sizes() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg] {
            let files = make_sizes(&generated(640, 480, 1, format)).unwrap();
            assert_eq!(files.len(), 2);
            for (bytes, (w, h)) in files.iter().zip(SIZES) {
                let img = decode(bytes).unwrap();
                assert_eq!((img.width(), img.height()), (w, h));
                assert_eq!(image::guess_format(bytes).unwrap(), ImageFormat::Jpeg);
            }
        }
    }

    #[test]
    fn refuses_non_images_and_huge_images_before_decoding() {
        let err = decode(b"<html>not found</html>").unwrap_err().to_string();
        assert!(err.contains("not an image"), "{err}");
        // A PNG header claiming 9,000 × 10 px: refused from the header (the body
        // is cut off, so decoding would fail differently).
        let png = generated(9_000, 10, 0, ImageFormat::Png);
        let err = decode(&png[..200]).unwrap_err().to_string();
        assert!(err.contains("over the limit"), "{err}");
        let err = decode(&generated(10, 8_001, 0, ImageFormat::Png))
            .unwrap_err()
            .to_string();
        assert!(err.contains("over the limit"), "{err}");
        assert!(decode(&generated(8_000, 2, 0, ImageFormat::Png)).is_ok());
    }
}
