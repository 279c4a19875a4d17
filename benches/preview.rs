//! Preview costs, all paid off the UI task: decoding and scaling a 20-megapixel PNG, summarising
//! a 100,000-row CSV, and drawing the demo-sized chart (800×500) in half-blocks for a pane.
//! What the UI task itself pays for a picture is the frame, measured by the `tui` bench.
//! Run with `cargo bench --bench preview`.

use clab::preview::{image as picture, table};
use criterion::{Criterion, criterion_group, criterion_main};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, RgbImage};
use ratatui::layout::Size;
use std::hint::black_box;
use std::io::Cursor;

fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x / 20) as u8, (y / 16) as u8, ((x ^ y) & 0xff) as u8])
    });
    let mut bytes = Vec::new();
    let encoder =
        PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Adaptive);
    pixels.write_with_encoder(encoder).unwrap();
    bytes
}

fn csv(rows: usize) -> String {
    let mut text = String::from("customer_id,plan,monthly_fee,support_calls,churned,signup\n");
    for i in 0..rows {
        text.push_str(&format!(
            "{},{},{}.99,{},{},2024-{:02}-{:02}\n",
            1000 + i,
            ["basic", "pro", "enterprise"][i % 3],
            9 + i % 90,
            i % 9,
            i % 4 == 0,
            1 + i % 12,
            1 + i % 28
        ));
    }
    text
}

fn previews(c: &mut Criterion) {
    let mut group = c.benchmark_group("preview");
    group.sample_size(10);
    let huge = png(5_000, 4_000);
    group.bench_function("decode and scale a 20-megapixel PNG", |b| {
        b.iter(|| picture::decode(Cursor::new(black_box(&huge))).unwrap())
    });
    let rows = csv(100_000);
    group.bench_function("summarise a 100,000-row CSV", |b| {
        b.iter(|| table::summarize(black_box(rows.as_bytes()), b',').unwrap())
    });
    let chart = DynamicImage::ImageRgb8(RgbImage::from_fn(800, 500, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 180])
    }));
    group.bench_function("half-blocks of an 800×500 chart in 66×30 cells", |b| {
        b.iter(|| picture::halfblocks(black_box(&chart), Size::new(66, 30)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, previews);
criterion_main!(benches);
