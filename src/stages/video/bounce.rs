//! Where the motion of a moving-digits video changes, read from its pixels: the frames at which a
//! digit bounced (SVG, Denton & Fergus, ICML 2018, shows the learned prior's variance rising there).
//!
//! A digit moves at constant velocity between bounces and its patch is pasted whole, so the
//! frame's ink centroid moves by whole pixels; any bounce changes that displacement. The marker
//! is exact for one digit; with two, frames where the digits overlap (their ink adds and clips)
//! can be marked too.

use pipeline_data::Layout;

/// Displacements closer than this (pixels) count as the same motion.
const TOLERANCE: f64 = 0.05;

/// The ink centroid (x, y) of every frame of one video, `None` for a blank frame.
pub fn centroids(video: &[u8], layout: &Layout) -> Vec<Option<(f64, f64)>> {
    let (h, w) = (layout.height, layout.width);
    let plane = h * w;
    video
        .chunks_exact(layout.channels * plane)
        .map(|frame| {
            let (mut m, mut sx, mut sy) = (0f64, 0f64, 0f64);
            for (i, &v) in frame.iter().enumerate() {
                let p = i % plane;
                let v = v as f64;
                m += v;
                sx += v * (p % w) as f64;
                sy += v * (p / w) as f64;
            }
            (m > 0.0).then(|| (sx / m, sy / m))
        })
        .collect()
}

/// `changed[t]`: the motion from frame t − 1 to t differs from the motion from t − 2 to t − 1,
/// i.e. frame t is not where constant velocity would put it. False for t < 2 and around blank frames.
pub fn motion_changes(centroids: &[Option<(f64, f64)>]) -> Vec<bool> {
    (0..centroids.len())
        .map(|t| {
            if t < 2 {
                return false;
            }
            match (centroids[t - 2], centroids[t - 1], centroids[t]) {
                (Some(a), Some(b), Some(c)) => {
                    let (d1, d2) = ((b.0 - a.0, b.1 - a.1), (c.0 - b.0, c.1 - b.1));
                    (d2.0 - d1.0).abs() > TOLERANCE || (d2.1 - d1.1).abs() > TOLERANCE
                }
                _ => false,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline_data::trajectory;

    #[test]
    fn changes_follow_the_trajectory() {
        // One 6×6 blob on a 24×24 canvas along a generated trajectory with bounces.
        let (side, patch, frames) = (24usize, 6usize, 40usize);
        let mut rng = pipeline_nn::init::stream(3, "t");
        let path = trajectory(&mut rng, frames, (side - patch) as i32, 4);
        let mut video = vec![0u8; frames * side * side];
        for (t, s) in path.iter().enumerate() {
            for r in 0..patch {
                for c in 0..patch {
                    // An uneven blob, so its centroid is not at its centre.
                    video[t * side * side + (s.y as usize + r) * side + s.x as usize + c] = (50 + 30 * r + 7 * c) as u8;
                }
            }
        }
        let layout = Layout { frames, channels: 1, height: side, width: side };
        let got = motion_changes(&centroids(&video, &layout));
        let want: Vec<bool> = (0..frames)
            .map(|t| t >= 2 && (path[t].x - path[t - 1].x, path[t].y - path[t - 1].y) != (path[t - 1].x - path[t - 2].x, path[t - 1].y - path[t - 2].y))
            .collect();
        assert_eq!(got, want);
        // The path bounces at least once in 40 frames on a small canvas, so this can fail.
        assert!(want.iter().any(|&b| b));
        assert!(!want.iter().all(|&b| b));
    }

    #[test]
    fn blank_frames_have_no_centroid() {
        let layout = Layout { frames: 3, channels: 1, height: 2, width: 2 };
        let c = centroids(&[0, 0, 0, 0, 0, 10, 0, 10, 0, 0, 0, 0], &layout);
        assert_eq!(c, vec![None, Some((1.0, 0.5)), None]);
        assert_eq!(motion_changes(&c), vec![false, false, false]);
    }
}
