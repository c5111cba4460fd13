//! The pictures of the video methods: per-step SSIM and PSNR curves of several models (as SVG's
//! figures plot them) and strips of frames (ground truth, then each model's predictions).
//!
//! plotters draws into a pixel buffer with its `ab_glyph` text, from the DejaVu Sans font compiled
//! into the binary, so no system font library is needed; `image` writes the PNG.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;

use crate::stage_ctx::StageError;

const FONT: &str = "sans-serif";

/// Registers the embedded font once per process.
fn font() -> Result<(), StageError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok());
    if !ok {
        crate::bail!("the embedded DejaVu Sans font could not be loaded");
    }
    Ok(())
}

fn plot_err(e: impl std::fmt::Display) -> StageError {
    StageError::msg(format!("drawing failed: {e}"))
}

fn save_rgb(path: &Path, buf: &[u8], w: u32, h: u32) -> Result<(), StageError> {
    image::save_buffer(path, buf, w, h, image::ExtendedColorType::Rgb8).map_err(|e| StageError::msg(format!("{}: {e}", path.display())))
}

/// One model's curves: SSIM and PSNR at t = 1, 2, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub ssim: Vec<(u64, f64)>,
    pub psnr: Vec<(u64, f64)>,
}

/// Which of a series' curves a panel draws.
type Pick = fn(&Series) -> &Vec<(u64, f64)>;

/// Two panels, SSIM and PSNR against the predicted step t, a line per model with a legend.
pub fn curves_png(path: &Path, series: &[Series]) -> Result<(), StageError> {
    font()?;
    let (w, h) = (1100u32, 420u32);
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(w / 2);
        let panels: [(&DrawingArea<_, _>, &str, Pick); 2] = [(&left, "SSIM", |s| &s.ssim), (&right, "PSNR (dB)", |s| &s.psnr)];
        for (area, title, pick) in panels {
            let points: Vec<(u64, f64)> = series.iter().flat_map(|s| pick(s).iter().copied()).collect();
            let t_max = points.iter().map(|p| p.0).max().unwrap_or(1).max(2);
            let (lo, hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
            let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
            let pad = ((hi - lo) * 0.08).max(1e-3);
            let mut chart = ChartBuilder::on(area)
                .caption(title, (FONT, 20))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(55)
                .build_cartesian_2d(1f64..t_max as f64, (lo - pad)..(hi + pad))
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc("t (predicted frame)")
                .y_desc(title)
                .label_style((FONT, 13))
                .axis_desc_style((FONT, 14))
                .draw()
                .map_err(plot_err)?;
            for (i, s) in series.iter().enumerate() {
                let color = Palette99::pick(i).to_rgba();
                chart
                    .draw_series(LineSeries::new(pick(s).iter().map(|&(t, v)| (t as f64, v)), color.stroke_width(2)).point_size(3))
                    .map_err(plot_err)?
                    .label(s.name.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            }
            chart
                .configure_series_labels()
                .label_font((FONT, 13))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    save_rgb(path, &buf, w, h)
}

/// One row of a strip: a label and frames (C×S×S on [0, 1]); frames from `first_predicted` on
/// are predictions (red border), the others true frames (green border).
#[derive(Debug, Clone)]
pub struct StripRow {
    pub label: String,
    pub frames: Vec<Vec<f32>>,
    pub first_predicted: usize,
}

const LABEL_W: u32 = 150;
const BORDER: u32 = 2;

/// A grid of frames, one labelled row per [`StripRow`].
pub fn strip_png(path: &Path, rows: &[StripRow], channels: usize, side: usize) -> Result<(), StageError> {
    font()?;
    if channels != 1 && channels != 3 {
        crate::bail!("strips draw 1- or 3-channel frames, not {channels}");
    }
    let cell = side as u32 + 2 * BORDER + 2;
    let cols = rows.iter().map(|r| r.frames.len()).max().unwrap_or(0) as u32;
    let (w, h) = (LABEL_W + cols * cell, (rows.len() as u32 * cell).max(1));
    let mut buf = vec![255u8; (w * h * 3) as usize];
    let plane = side * side;
    for (r, row) in rows.iter().enumerate() {
        for (c, frame) in row.frames.iter().enumerate() {
            if frame.len() != channels * plane {
                crate::bail!("a frame of row `{}` has {} values, not {}", row.label, frame.len(), channels * plane);
            }
            let (x0, y0) = (LABEL_W + c as u32 * cell + 1, r as u32 * cell + 1);
            let border = if c >= row.first_predicted { [200, 30, 30] } else { [30, 160, 60] };
            for y in 0..side as u32 + 2 * BORDER {
                for x in 0..side as u32 + 2 * BORDER {
                    let at = (((y0 + y) * w + x0 + x) * 3) as usize;
                    let inside = (BORDER..BORDER + side as u32).contains(&x) && (BORDER..BORDER + side as u32).contains(&y);
                    let px = if inside {
                        let p = ((y - BORDER) as usize) * side + (x - BORDER) as usize;
                        let v = |ch: usize| (frame[ch * plane + p].clamp(0.0, 1.0) * 255.0).round() as u8;
                        if channels == 1 { [v(0); 3] } else { [v(0), v(1), v(2)] }
                    } else {
                        border
                    };
                    buf[at..at + 3].copy_from_slice(&px);
                }
            }
        }
    }
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        for (r, row) in rows.iter().enumerate() {
            let y = (r as u32 * cell + cell / 2) as i32 - 7;
            root.draw(&Text::new(row.label.clone(), (6, y), (FONT, 14).into_font().color(&BLACK))).map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    save_rgb(path, &buf, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_and_strips_render() {
        let dir = tempfile::tempdir().unwrap();
        let s = |name: &str, a: f64| Series {
            name: name.into(),
            ssim: (1..=10).map(|t| (t, a - 0.03 * t as f64)).collect(),
            psnr: (1..=10).map(|t| (t, 20.0 * a - t as f64)).collect(),
        };
        let path = dir.path().join("curves.png");
        curves_png(&path, &[s("det", 0.9), s("svg-lp", 0.95)]).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (1100, 420));
        // Something besides white and black was drawn: the coloured lines.
        assert!(img.pixels().any(|p| p.0[0] != p.0[1] || p.0[1] != p.0[2]));

        let frame = |v: f32| vec![v; 8 * 8];
        let rows = vec![
            StripRow { label: "truth".into(), frames: vec![frame(0.0), frame(1.0), frame(0.5)], first_predicted: 3 },
            StripRow { label: "model".into(), frames: vec![frame(0.0), frame(0.25)], first_predicted: 1 },
        ];
        let path = dir.path().join("strip.png");
        strip_png(&path, &rows, 1, 8).unwrap();
        let img = image::open(&path).unwrap().to_rgb8();
        let cell = 8 + 2 * BORDER + 2;
        assert_eq!(img.dimensions(), (LABEL_W + 3 * cell, 2 * cell));
        // Row 0, frame 1 is white inside; row 1, frame 1 is 0.25 gray with a red border.
        assert_eq!(img.get_pixel(LABEL_W + cell + 1 + BORDER + 3, 1 + BORDER + 3).0, [255; 3]);
        assert_eq!(img.get_pixel(LABEL_W + cell + 1 + BORDER + 3, cell + 1 + BORDER + 3).0, [64; 3]);
        assert_eq!(img.get_pixel(LABEL_W + cell + 1, cell + 1).0, [200, 30, 30]);
        // The label column has text in it.
        assert!((0..LABEL_W).any(|x| (0..cell).any(|y| img.get_pixel(x, y).0 != [255; 3])));
        assert!(strip_png(&path, &rows, 2, 8).is_err());
    }
}
