//! Pretext tasks for `pipeline`: pure generators that turn images into network inputs with
//! targets made from the images themselves (self-supervision), free of any tensor library so
//! that every generator can be checked directly.
//!
//! | task | paper | an item | target |
//! |---|---|---|---|
//! | [`rotation`] | Gidaris et al. 2018 | 1 image turned by k·90° | k (4 classes) |
//! | [`jigsaw`] | Noroozi & Favaro 2016 | 9 tiles of a 3×3 grid, shuffled | the permutation's index |
//! | [`relative_position`] | Doersch et al. 2015 | the centre tile and a neighbour | which of 8 neighbours |
//! | [`colorization`] | Zhang et al. 2016 | the L channel | a quantised ab bin per pixel |
//! | [`inpainting`] | Pathak et al. 2016 | the image with its centre filled | the centre's pixels |
//! | [`exemplar`] | Dosovitskiy et al. 2014 | an augmentation of a seed image | which seed image |
//! | [`temporal`] | Misra et al. 2016 | 3 frames of a video | whether they are in order |
//!
//! Every generator draws from one ChaCha8 stream per source item ([`item_rng`]), so the same
//! seed gives the same bytes and the test split does not depend on the train split's size.

pub mod colorization;
pub mod exemplar;
pub mod grid;
pub mod inpainting;
pub mod jigsaw;
pub mod lab;
pub mod permutations;
pub mod preview;
pub mod raster;
pub mod relative_position;
pub mod rotation;
mod split;
pub mod temporal;

pub use split::{channel_stats, item_rng, PretextError, PretextSplit, Purpose, Shape, Source, Targets};
