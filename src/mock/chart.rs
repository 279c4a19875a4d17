//! Histogram PNGs rendered with plotters, standing in for the sandbox's matplotlib output.
//!
//! Invariant: the file the demo hands out as a generated `bash_code_execution_output` is a
//! real, decodable PNG of the column it claims to plot (bins computed from the actual
//! values), so a client's download/preview path is exercised with genuine image bytes.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::anyhow;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// Pixel size of the chart, like matplotlib's `figsize=(8, 5), dpi=100`.
pub const SIZE: (u32, u32) = (800, 500);

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn ensure_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| register_font("sans-serif", FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the bundled DejaVu Sans font could not be loaded"))
    }
}

/// Histogram bins: `(left edge, right edge, count)`; at most 20 bins (Sturges' rule).
fn bins(values: &[f64]) -> Vec<(f64, f64, usize)> {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if max > min {
        (min, max)
    } else {
        (min - 0.5, max + 0.5)
    };
    let n = ((values.len() as f64).log2().ceil() as usize + 1).clamp(1, 20);
    let width = (hi - lo) / n as f64;
    let mut counts = vec![0usize; n];
    for v in values {
        let i = (((v - lo) / width) as usize).min(n - 1);
        counts[i] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| (lo + i as f64 * width, lo + (i + 1) as f64 * width, c))
        .collect()
}

/// Renders a histogram of `values` titled after `column` and writes it as PNG to `out`.
pub fn render_histogram(column: &str, values: &[f64], out: &Path) -> anyhow::Result<()> {
    if values.is_empty() {
        return Err(anyhow!("column `{column}` has no values to plot"));
    }
    ensure_font()?;
    let bins = bins(values);
    let x_range = bins[0].0..bins[bins.len() - 1].1;
    let y_max = bins.iter().map(|b| b.2).max().unwrap_or(1) as f64 * 1.1;
    let root = BitMapBackend::new(out, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Distribution of {column}"), ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(x_range, 0.0..y_max.max(1.0))?;
    chart
        .configure_mesh()
        .x_desc(column)
        .y_desc("Count")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()?;
    let fill = RGBColor(0x4c, 0x72, 0xb0).filled();
    chart.draw_series(
        bins.iter()
            .map(|&(x0, x1, c)| Rectangle::new([(x0, 0.0), (x1, c as f64)], fill)),
    )?;
    chart
        .draw_series(bins.iter().map(|&(x0, x1, c)| {
            Rectangle::new([(x0, 0.0), (x1, c as f64)], WHITE.stroke_width(1))
        }))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_cover_all_values() {
        let b = bins(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(b.iter().map(|x| x.2).sum::<usize>(), 5);
        assert_eq!(b[0].0, 1.0);
        assert_eq!(b.last().unwrap().1, 100.0);
        assert_eq!(bins(&[7.0, 7.0]).iter().map(|x| x.2).sum::<usize>(), 2);
    }

    #[test]
    fn writes_a_png_of_the_expected_size() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("units_distribution.png");
        let values: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64).collect();
        render_histogram("units", &values, &out).unwrap();
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&bytes[12..16], b"IHDR");
        let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((w, h), SIZE);
    }
}
