//! Turns a downloaded still (untrusted bytes) into the files the theme shows
//! (two sizes of lossy WebP, and a JPEG of the large one for link previews), refusing anything that could cost unbounded memory or time: the format
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

/// Name endings of the files stored for each still, in the order [`make_files`]
/// returns them: both [`SIZES`] as WebP for the pages, and the large one again as
/// JPEG for link previews (`og:image`, Twitter card, JSON-LD), since some of the
/// sites that read those (LinkedIn; Facebook documents JPEG, PNG and GIF only) show
/// no WebP.
pub const SUFFIXES: [&str; 3] = ["480.webp", "240.webp", "480.jpg"];
/// Extension of the stills the pages show.
pub const EXT: &str = "webp";
/// Name ending of the link-preview copy.
pub const SHARE_SUFFIX: &str = "480.jpg";

/// Decodes `bytes` and returns the encoded files, one per entry of [`SUFFIXES`].
pub fn make_files(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    files_of(&decode(bytes)?)
}

/// The files of [`SUFFIXES`] made from a decoded still.
pub fn files_of(image: &DynamicImage) -> Result<Vec<Vec<u8>>> {
    // The large size is cropped from the still (centred, to fill 16:9: YouTube's
    // 4:3 stills lose their black bars), the small one halves it.
    let [(w, h), (sw, sh)] = SIZES;
    let large = image.resize_to_fill(w, h, FilterType::Triangle);
    let small = large.resize_to_fill(sw, sh, FilterType::Triangle);
    Ok(vec![
        encode_webp(&large, WEBP_QUALITY)?,
        encode_webp(&small, WEBP_QUALITY)?,
        encode_jpeg(&large)?,
    ])
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

/// JPEG quality of the link-preview copy.
pub const QUALITY: u8 = 75;
/// libwebp quality (0–100) of the page stills: see the sizes in README.
pub const WEBP_QUALITY: f32 = 80.0;

/// Encodes a still as JPEG (the link-preview copy).
pub fn encode_jpeg(image: &DynamicImage) -> Result<Vec<u8>> {
    let rgb = image.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .context("cannot encode JPEG")?;
    Ok(out)
}

/// Encodes a still as lossy WebP through libwebp (the `image` crate's own WebP
/// encoder is lossless only, and made files 4 to 6 times the size of a JPEG).
pub fn encode_webp(image: &DynamicImage, quality: f32) -> Result<Vec<u8>> {
    let rgb = image.to_rgb8();
    let mut config = webp::WebPConfig::new().map_err(|()| anyhow::anyhow!("cannot set up the WebP encoder"))?;
    config.quality = quality;
    let out = webp::Encoder::from_rgb(rgb.as_raw(), rgb.width(), rgb.height())
        .encode_advanced(&config)
        .map_err(|e| anyhow::anyhow!("cannot encode WebP: {e:?}"))?;
    Ok(out.to_vec())
}

/// Lossless WebP (the `image` crate's), for the size comparison in `benches/thumbs.rs`.
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
    fn png_and_jpeg_become_two_lossy_webp_sizes_and_a_jpeg() {
        for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP] {
            let files = make_files(&generated(640, 480, 1, format)).unwrap();
            let expected = [
                (480, 270, ImageFormat::WebP),
                (240, 135, ImageFormat::WebP),
                (480, 270, ImageFormat::Jpeg),
            ];
            assert_eq!(files.len(), expected.len());
            for (bytes, (w, h, f)) in files.iter().zip(expected) {
                let img = decode(bytes).unwrap();
                assert_eq!((img.width(), img.height()), (w, h));
                assert_eq!(image::guess_format(bytes).unwrap(), f);
            }
            // Lossy (VP8), not lossless (VP8L): the RIFF chunk after the header says which.
            assert_eq!(&files[0][12..16], b"VP8 ", "{format:?}");
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
