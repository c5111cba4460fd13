//! Embedding a shared option struct ([`crate::optim::OptimParams`], [`crate::train::TrainParams`])
//! in a method's options: the method reads its own keys and hands the rest of its `with:` map here.

use pipeline_params::{ParamError, ParamMap, Params};

/// Reads the keys `P` declares from `with`, starting from `defaults` (a method's own choice,
/// e.g. DCGAN's lr 2e-4 and beta1 0.5) rather than `P`'s; returns `P` and the keys it did not
/// claim, for the next struct or for the unknown-key check.
pub fn split_params<P: Params>(with: &ParamMap, defaults: &P) -> Result<(P, ParamMap), ParamError> {
    let names: Vec<&str> = P::specs().iter().map(|s| s.name).collect();
    let mut mine = defaults.to_map();
    let mut rest = ParamMap::new();
    for (k, v) in with {
        if names.contains(&k.as_str()) {
            mine.insert(k.clone(), v.clone());
        } else {
            rest.insert(k.clone(), v.clone());
        }
    }
    Ok((P::from_map(&mine)?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::OptimParams;
    use crate::train::TrainParams;

    #[test]
    fn method_defaults_and_user_values_meet() {
        let mut with = ParamMap::new();
        with.insert("lr".into(), 0.01.into());
        with.insert("epochs".into(), 3.into());
        with.insert("k".into(), 50.into());
        let gan = OptimParams { lr: 2e-4, beta1: 0.5, ..Default::default() };
        let (optim, rest) = split_params(&with, &gan).unwrap();
        assert_eq!((optim.lr, optim.beta1), (0.01, 0.5));
        let (train, rest) = split_params(&rest, &TrainParams::default()).unwrap();
        assert_eq!(train.epochs, 3);
        assert_eq!(rest.keys().collect::<Vec<_>>(), vec!["k"]);
        with.insert("lr".into(), "fast".into());
        let e = split_params(&with, &gan).unwrap_err();
        assert_eq!(e.param(), "lr");
    }
}
