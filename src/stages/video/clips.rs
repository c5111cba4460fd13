//! Video sequences as model input: the checks a video method makes on its dataset, and clips
//! (windows of frames) gathered into N×T×C×S×S tensors on [0, 1].

use candle_core::{Device, Tensor};
use pipeline_data::{Dataset, Layout, Split};
use pipeline_nn::batch::images_to_tensor;

use crate::stage_ctx::StageError;

/// Checks that `data` holds videos of at least `frames` square frames whose side the networks
/// take, and returns the side.
pub fn check_video(data: &Dataset, frames: usize) -> Result<usize, StageError> {
    let l = &data.layout;
    if l.frames == 1 {
        crate::bail!("dataset `{}` holds still images; video prediction needs videos (e.g. `moving-digits`)", data.source);
    }
    if l.frames < frames {
        crate::bail!(
            "dataset `{}` has {}-frame videos, but n_past + n_future = {frames}: generate longer videos or predict fewer frames",
            data.source,
            l.frames
        );
    }
    if l.height != l.width || super::net::levels(l.height).is_none() {
        crate::bail!("the video networks take square frames with a side of 8, 16, 32, 64, ...; dataset `{}` has {}×{}", data.source, l.height, l.width);
    }
    Ok(l.height)
}

/// Frames `start[k] .. start[k] + len` of items `indices[k]` as an N×len×C×H×W tensor on [0, 1].
pub fn clips(split: &Split, layout: &Layout, indices: &[usize], starts: &[usize], len: usize, device: &Device) -> Result<Tensor, StageError> {
    let frame = layout.channels * layout.height * layout.width;
    if starts.iter().any(|&s| s + len > layout.frames) {
        crate::bail!("a clip of {len} frames does not fit in {}-frame videos", layout.frames);
    }
    let mut bytes = Vec::with_capacity(indices.len() * len * frame);
    for (&i, &s) in indices.iter().zip(starts) {
        bytes.extend_from_slice(&split.item(i, layout)[s * frame..(s + len) * frame]);
    }
    let order: Vec<usize> = (0..indices.len()).collect();
    Ok(images_to_tensor(&bytes, &order, &[len, layout.channels, layout.height, layout.width], None, device)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_take_the_right_frames() {
        // Two 3-frame videos of 1×1×1 frames: values 10·item + frame.
        let layout = Layout { frames: 3, channels: 1, height: 1, width: 1 };
        let split = Split { images: vec![0, 1, 2, 10, 11, 12], labels: None, len: 2 };
        let t = clips(&split, &layout, &[1, 0], &[1, 0], 2, &Device::Cpu).unwrap();
        assert_eq!(t.dims(), &[2, 2, 1, 1, 1]);
        let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
        let want: Vec<f32> = [11.0, 12.0, 0.0, 1.0].iter().map(|x| x / 255.0).collect();
        assert!(v.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-6), "{v:?}");
        assert!(clips(&split, &layout, &[0], &[2], 2, &Device::Cpu).is_err());
    }

    #[test]
    fn still_images_and_short_videos_are_refused() {
        let still = Dataset::new("digits", Layout::image(1, 8, 8), vec![], Split::default(), Split::default());
        assert!(check_video(&still, 2).unwrap_err().to_string().contains("still images"));
        let short = Dataset::new("movie", Layout { frames: 4, channels: 1, height: 8, width: 8 }, vec![], Split::default(), Split::default());
        assert!(check_video(&short, 15).unwrap_err().to_string().contains("n_past + n_future = 15"));
        assert_eq!(check_video(&short, 4).unwrap(), 8);
        let odd = Dataset::new("movie", Layout { frames: 4, channels: 1, height: 12, width: 12 }, vec![], Split::default(), Split::default());
        assert!(check_video(&odd, 4).is_err());
    }
}
