//! Decoding an image for preview, and drawing it with Unicode half-blocks.
//!
//! Invariant: a decoded preview is at most [`MAX_SIDE`] pixels on its longer side, whatever
//! the file: a pane is never wider than a few thousand pixels even with a graphics protocol,
//! and a 20-megapixel plot kept whole would make every later resize (on pane changes) slow and
//! hold ~80 MB. Decoding is bounded by [`image::Limits`] so a crafted header cannot ask for
//! gigabytes. Everything here blocks and is only called from blocking tasks.

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::style::Color;
use ratatui_image::protocol::Protocol;
use ratatui_image::protocol::halfblocks::Halfblocks;
use std::io::{BufRead, Seek};
use std::sync::Arc;

/// The longer side of a decoded preview, in pixels.
pub const MAX_SIDE: u32 = 2048;
/// The most memory a decode may allocate.
const MAX_ALLOC: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ImagePreview {
    /// The picture, scaled down to at most [`MAX_SIDE`].
    pub image: Arc<DynamicImage>,
    /// The file's own size in pixels.
    pub width: u32,
    pub height: u32,
    pub format: &'static str,
}

impl PartialEq for ImagePreview {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.image, &other.image)
    }
}

/// The format of an image by its first bytes, if it is one clab can decode.
pub fn sniff(head: &[u8]) -> Option<ImageFormat> {
    image::guess_format(head).ok().filter(|f| {
        matches!(
            f,
            ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
        )
    })
}

/// Decodes `input` and scales it down for previewing.
pub fn decode(input: impl BufRead + Seek) -> Result<ImagePreview, String> {
    let mut reader = ImageReader::new(input)
        .with_guessed_format()
        .map_err(|e| format!("cannot read the image: {e}"))?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let format = match reader.format() {
        Some(ImageFormat::Png) => "PNG",
        Some(ImageFormat::Jpeg) => "JPEG",
        Some(ImageFormat::Gif) => "GIF",
        Some(ImageFormat::WebP) => "WebP",
        _ => return Err("not an image format clab can show (PNG, JPEG, GIF, WebP)".into()),
    };
    let image = reader
        .decode()
        .map_err(|e| format!("cannot decode the image: {e}"))?;
    let (width, height) = (image.width(), image.height());
    let image = if width.max(height) > MAX_SIDE {
        image.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        image
    };
    Ok(ImagePreview {
        image: Arc::new(image),
        width,
        height,
        format,
    })
}

/// The cells (columns, rows) a half-block drawing of a `width`×`height` picture takes when
/// fitted into `max` cells: each cell shows one pixel column and two pixel rows, so square
/// pixels stay square. Small pictures are not enlarged.
pub fn halfblock_size(width: u32, height: u32, max: Size) -> Size {
    if width == 0 || height == 0 || max.width == 0 || max.height == 0 {
        return Size::new(0, 0);
    }
    let scale = (f64::from(max.width) / f64::from(width))
        .min(f64::from(max.height) * 2.0 / f64::from(height))
        .min(1.0);
    let columns = (f64::from(width) * scale).round().max(1.0) as u16;
    let rows = (f64::from(height) * scale / 2.0).ceil().max(1.0) as u16;
    Size::new(columns.min(max.width), rows.min(max.height))
}

/// `image` drawn in half-blocks, fitted into `max` cells, as a buffer of that drawing's size.
pub fn halfblocks(image: &DynamicImage, max: Size) -> Result<Buffer, String> {
    let size = halfblock_size(image.width(), image.height(), max);
    let area = Rect::new(0, 0, size.width, size.height);
    let mut buffer = Buffer::empty(area);
    if area.is_empty() {
        return Ok(buffer);
    }
    let blocks = Halfblocks::new(image.clone(), size).map_err(|e| e.to_string())?;
    ratatui::widgets::Widget::render(
        ratatui_image::Image::new(&Protocol::Halfblocks(blocks)),
        area,
        &mut buffer,
    );
    Ok(buffer)
}

/// A half-block drawing as text with 24-bit colour escapes, one line per row, for a terminal.
pub fn to_ansi(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &buffer[(x, y)];
            out.push_str(&sgr(38, cell.fg));
            out.push_str(&sgr(48, cell.bg));
            out.push_str(cell.symbol());
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

fn sgr(layer: u8, color: Color) -> String {
    match color {
        Color::Rgb(r, g, b) => format!("\x1b[{layer};2;{r};{g};{b}m"),
        _ => format!("\x1b[{}m", layer + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};
    use std::io::Cursor;

    fn png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> Rgb<u8>) -> Vec<u8> {
        let picture = ImageBuffer::from_fn(width, height, pixel);
        let mut bytes = Vec::new();
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn sizes_keep_pixels_square_and_never_enlarge() {
        assert_eq!(
            halfblock_size(800, 500, Size::new(80, 20)),
            Size::new(64, 20)
        );
        assert_eq!(
            halfblock_size(800, 500, Size::new(40, 40)),
            Size::new(40, 13)
        );
        assert_eq!(halfblock_size(4, 4, Size::new(80, 20)), Size::new(4, 2));
        assert_eq!(halfblock_size(0, 4, Size::new(80, 20)), Size::new(0, 0));
    }

    #[test]
    fn big_pictures_are_scaled_down_and_keep_their_true_size() {
        let bytes = png(3000, 1000, |x, _| Rgb([(x % 256) as u8, 0, 0]));
        let p = decode(Cursor::new(bytes)).unwrap();
        assert_eq!((p.width, p.height, p.format), (3000, 1000, "PNG"));
        assert_eq!(p.image.width(), MAX_SIDE);
        assert!(p.image.height() <= MAX_SIDE / 2);
    }

    #[test]
    fn garbage_and_unknown_formats_are_errors() {
        assert!(decode(Cursor::new(b"not an image".to_vec())).is_err());
        let mut png = png(2, 2, |_, _| Rgb([0, 0, 0]));
        png.truncate(40);
        let err = decode(Cursor::new(png)).unwrap_err();
        assert!(err.contains("decode"), "{err}");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageFormat::Png));
        assert_eq!(sniff(b"%PDF-1.7"), None);
    }

    /// A 4×4 picture of known colours: each cell shows two pixel rows, the brighter one as the
    /// foreground of an upper or lower half-block, and two equal pixels as a space.
    #[test]
    fn halfblocks_of_a_known_png() {
        let bytes = png(4, 4, |x, y| match (x < 2, y) {
            (true, 0) => Rgb([255, 0, 0]),
            (false, 0) => Rgb([0, 255, 0]),
            (true, 1) => Rgb([0, 0, 255]),
            (false, 1) => Rgb([0, 255, 0]),
            (true, _) => Rgb([255, 255, 255]),
            (false, _) => Rgb([0, 0, 0]),
        });
        let p = decode(Cursor::new(bytes)).unwrap();
        let buffer = halfblocks(&p.image, Size::new(80, 24)).unwrap();
        insta::assert_snapshot!(describe(&buffer));
        let ansi = to_ansi(&buffer);
        assert_eq!(ansi.lines().count(), 2);
        assert!(ansi.starts_with("\x1b[38;2;255;0;0m"), "{ansi:?}");
    }

    /// Each cell as its symbol and its foreground/background colours.
    fn describe(buffer: &Buffer) -> String {
        let area = buffer.area;
        let mut out = String::new();
        for y in area.top()..area.bottom() {
            let row: Vec<String> = (area.left()..area.right())
                .map(|x| {
                    let c = &buffer[(x, y)];
                    format!("{}{:?}/{:?}", c.symbol(), c.fg, c.bg)
                })
                .collect();
            out.push_str(&row.join(" "));
            out.push('\n');
        }
        out
    }
}
