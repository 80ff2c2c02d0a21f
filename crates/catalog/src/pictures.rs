//! Turning an uploaded file into the pictures a shop serves. Whatever arrives is decoded to
//! pixels and encoded again, so no metadata (a phone's GPS position), trailing payload or
//! crafted chunk reaches a shopper's browser; each picture is kept in three sizes.

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest file accepted, before decoding.
pub(crate) const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Longest side accepted, in pixels: larger files are refused before they are decoded.
const MAX_SIDE: u32 = 8_000;
/// Shortest side accepted, in pixels: anything smaller would look broken on a product page.
pub(crate) const MIN_SIDE: u32 = 64;
/// Memory one decode may take: a file that claims more (a decompression bomb) is refused.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// JPEG quality of the sizes served: visually clean at a third of the bytes of 95.
const JPEG_QUALITY: u8 = 85;

/// The sizes a picture is served in, each fitting a square of its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Size {
    /// Search results and order lines.
    Thumb,
    /// Product cards in listings.
    Card,
    /// The product page's gallery.
    Large,
}

impl Size {
    /// Every size, smallest first.
    pub(crate) const ALL: [Size; 3] = [Size::Thumb, Size::Card, Size::Large];

    /// The side of the square the picture is fitted into.
    pub(crate) fn side(self) -> u32 {
        match self {
            Size::Thumb => 160,
            Size::Card => 480,
            Size::Large => 1200,
        }
    }

    /// Its name in URLs and keys.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Size::Thumb => "thumb",
            Size::Card => "card",
            Size::Large => "large",
        }
    }

    /// The size named `name`.
    pub(crate) fn named(name: &str) -> Option<Size> {
        Size::ALL.into_iter().find(|size| size.name() == name)
    }
}

/// How the sizes of a picture are encoded: JPEG for photographs, PNG when some pixel is
/// see-through (a cut-out product on a transparent background).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Opaque pictures.
    Jpeg,
    /// Pictures with transparency.
    Png,
}

impl Encoding {
    /// The file extension in URLs and keys.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Encoding::Jpeg => "jpg",
            Encoding::Png => "png",
        }
    }

    /// The encoding whose extension is `extension`.
    pub(crate) fn of_extension(extension: &str) -> Option<Encoding> {
        [Encoding::Jpeg, Encoding::Png].into_iter().find(|encoding| encoding.extension() == extension)
    }

    /// The `Content-Type` it is served with.
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            Encoding::Jpeg => "image/jpeg",
            Encoding::Png => "image/png",
        }
    }
}

/// An uploaded picture ready to store: each size encoded, and the largest one's dimensions.
pub(crate) struct Prepared {
    pub(crate) encoding: Encoding,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) sizes: Vec<(Size, Vec<u8>)>,
}

/// Why an upload is not a picture the shop will serve.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The bytes are no image format at all (a text file named `.png`, say).
    #[error("is not an image; upload a JPEG, PNG, WebP or GIF file")]
    NotAnImage,
    /// An image, in a format the shop does not take.
    #[error("is a {0} image; upload a JPEG, PNG, WebP or GIF file")]
    UnsupportedFormat(String),
    /// The file is damaged or truncated.
    #[error("could not be read as a {format} image: {reason}")]
    Unreadable { format: String, reason: String },
    /// Wider or taller than [`MAX_SIDE`], or would take too much memory to decode.
    #[error("is too large: at most {MAX_SIDE} pixels on a side")]
    TooLarge,
    /// Narrower or shorter than [`MIN_SIDE`].
    #[error("is {width}×{height} pixels; at least {MIN_SIDE} on each side is needed")]
    TooSmall { width: u32, height: u32 },
}

/// Decodes `bytes` (JPEG, PNG, WebP or GIF, told by their content, never by a name or a
/// declared type), turns it upright as its EXIF orientation says, and encodes each size.
/// CPU-heavy: call it off the async runtime.
pub(crate) fn prepare(bytes: &[u8]) -> Result<Prepared, Refused> {
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| Refused::NotAnImage)?;
    let format = reader.format().ok_or(Refused::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) {
        return Err(Refused::UnsupportedFormat(format!("{format:?}").to_uppercase()));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let unreadable = |error: image::ImageError| match error {
        image::ImageError::Limits(_) => Refused::TooLarge,
        other => Refused::Unreadable { format: format!("{format:?}").to_uppercase(), reason: other.to_string() },
    };
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = image::ImageDecoder::orientation(&mut decoder).map_err(unreadable)?;
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    if picture.width() < MIN_SIDE || picture.height() < MIN_SIDE {
        return Err(Refused::TooSmall { width: picture.width(), height: picture.height() });
    }
    let encoding = if is_see_through(&picture) { Encoding::Png } else { Encoding::Jpeg };
    // Largest first, each size shrunk from the one before: one resize of the full picture,
    // not three.
    let mut sizes = Vec::with_capacity(Size::ALL.len());
    let mut source = picture;
    let mut largest = None;
    for size in Size::ALL.into_iter().rev() {
        let fitted = fit(&source, size.side());
        largest.get_or_insert((fitted.width(), fitted.height()));
        sizes.push((size, encode(&fitted, encoding)));
        source = fitted;
    }
    sizes.reverse();
    let (width, height) = largest.expect("there is a largest size");
    Ok(Prepared { encoding, width, height, sizes })
}

/// Whether any pixel is less than fully opaque.
fn is_see_through(picture: &DynamicImage) -> bool {
    picture.color().has_alpha() && picture.to_rgba8().pixels().any(|pixel| pixel.0[3] < u8::MAX)
}

/// `picture` shrunk to fit a `side`-pixel square; never enlarged.
fn fit(picture: &DynamicImage, side: u32) -> DynamicImage {
    if picture.width() <= side && picture.height() <= side {
        return picture.clone();
    }
    picture.resize(side, side, image::imageops::FilterType::CatmullRom)
}

fn encode(picture: &DynamicImage, encoding: Encoding) -> Vec<u8> {
    let mut bytes = Vec::new();
    let written = match encoding {
        Encoding::Jpeg => picture
            .to_rgb8()
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)),
        Encoding::Png => picture.to_rgba8().write_with_encoder(image::codecs::png::PngEncoder::new(&mut bytes)),
    };
    // Encoding pixels already in memory into a Vec fails only on dimensions the checks above
    // have ruled out.
    written.expect("a decoded picture within the size limits encodes");
    bytes
}

/// A picture for the demo shop, drawn rather than downloaded so the shop has pictures
/// offline: a soft two-colour gradient with a round "product" lit from the top left, its
/// colours picked from `seed`.
pub fn demo_picture(seed: &str, side: u32) -> Vec<u8> {
    let hash = seed
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3));
    let hue = (hash % 360) as f32;
    let background = (hsl(hue, 0.35, 0.92), hsl(hue + 30.0, 0.40, 0.80));
    let object = hsl(hue + 180.0, 0.45, 0.45);
    let centre = side as f32 / 2.0;
    let radius = side as f32 * 0.3;
    let picture = image::RgbImage::from_fn(side, side, |x, y| {
        let (x, y) = (x as f32, y as f32);
        let along = (x + y) / (2.0 * side as f32);
        let mut colour = mix(background.0, background.1, along);
        let (dx, dy) = (x - centre, y - centre * 1.05);
        let distance = (dx * dx + dy * dy).sqrt();
        if distance <= radius {
            let light = 1.0 - ((dx + radius * 0.4).powi(2) + (dy + radius * 0.4).powi(2)).sqrt() / (radius * 2.0);
            colour = mix(object, [255.0, 255.0, 255.0], (light * 0.5).clamp(0.0, 0.5));
        }
        image::Rgb(colour.map(|channel| channel.round().clamp(0.0, 255.0) as u8))
    });
    let mut bytes = Vec::new();
    picture.write_with_encoder(image::codecs::png::PngEncoder::new(&mut bytes)).expect("an in-memory picture encodes");
    bytes
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// An HSL colour as RGB channels of 0..=255.
fn hsl(hue: f32, saturation: f32, lightness: f32) -> [f32; 3] {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let sector = hue.rem_euclid(360.0) / 60.0;
    let x = chroma * (1.0 - (sector % 2.0 - 1.0).abs());
    let (r, g, b) = match sector as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    [(r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, alpha: u8) -> Vec<u8> {
        let picture = image::RgbaImage::from_pixel(width, height, image::Rgba([200, 40, 40, alpha]));
        let mut bytes = Vec::new();
        picture.write_with_encoder(image::codecs::png::PngEncoder::new(&mut bytes)).unwrap();
        bytes
    }

    fn decoded(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory(bytes).unwrap()
    }

    #[test]
    fn each_size_fits_its_square_keeps_the_shape_and_is_never_enlarged() {
        let prepared = prepare(&png(2000, 1000, 255)).unwrap();
        let sides: Vec<_> = prepared
            .sizes
            .iter()
            .map(|(size, bytes)| (*size, decoded(bytes).width(), decoded(bytes).height()))
            .collect();
        assert_eq!(sides, vec![(Size::Thumb, 160, 80), (Size::Card, 480, 240), (Size::Large, 1200, 600)]);
        assert_eq!((prepared.width, prepared.height), (1200, 600));

        let small = prepare(&png(300, 200, 255)).unwrap();
        let sides: Vec<_> =
            small.sizes.iter().map(|(_, bytes)| (decoded(bytes).width(), decoded(bytes).height())).collect();
        assert_eq!(sides, vec![(160, 107), (300, 200), (300, 200)]);
    }

    #[test]
    fn opaque_pictures_become_jpeg_and_see_through_ones_png() {
        let opaque = prepare(&png(100, 100, 255)).unwrap();
        assert_eq!(opaque.encoding, Encoding::Jpeg);
        assert!(opaque.sizes.iter().all(|(_, bytes)| image::guess_format(bytes).unwrap() == ImageFormat::Jpeg));
        let cut_out = prepare(&png(100, 100, 0)).unwrap();
        assert_eq!(cut_out.encoding, Encoding::Png);
        assert!(cut_out.sizes.iter().all(|(_, bytes)| image::guess_format(bytes).unwrap() == ImageFormat::Png));
    }

    #[test]
    fn what_follows_the_pixels_in_the_file_is_not_kept() {
        let mut polyglot = png(100, 100, 255);
        polyglot.extend_from_slice(b"<script>alert(1)</script>");
        let prepared = prepare(&polyglot).unwrap();
        for (_, bytes) in &prepared.sizes {
            assert!(!bytes.windows(8).any(|window| window == b"<script>"), "the payload passed through");
        }
    }

    #[test]
    fn files_that_are_not_pictures_the_shop_takes_are_refused() {
        assert_eq!(prepare(b"just some text, named photo.png").err(), Some(Refused::NotAnImage));
        assert_eq!(prepare(b"").err(), Some(Refused::NotAnImage));
        let bitmap_header = b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00";
        assert_eq!(prepare(bitmap_header).err(), Some(Refused::UnsupportedFormat("BMP".to_owned())));
        let truncated = &png(200, 200, 255)[..60];
        assert!(matches!(prepare(truncated), Err(Refused::Unreadable { .. })), "{:?}", prepare(truncated).err());
        assert_eq!(prepare(&png(20, 300, 255)).err(), Some(Refused::TooSmall { width: 20, height: 300 }));
    }

    #[test]
    fn a_file_that_claims_huge_dimensions_is_refused_before_it_is_decoded() {
        // A valid PNG header announcing 100,000 × 100,000 pixels (40 GB decoded) over a few bytes.
        let mut bomb = png(64, 64, 255);
        bomb[16..20].copy_from_slice(&100_000_u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000_u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(prepare(&bomb).err(), Some(Refused::TooLarge));
    }

    /// The CRC of a PNG chunk (type and data), so the test's doctored header is well formed.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn demo_pictures_are_valid_and_differ_by_product() {
        let one = prepare(&demo_picture("KIT-CHEF-KNIFE", 256)).unwrap();
        let other = demo_picture("COF-KETTLE", 256);
        assert_eq!((one.width, one.height), (256, 256));
        assert_ne!(demo_picture("KIT-CHEF-KNIFE", 256), other);
    }
}
