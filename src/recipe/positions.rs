//! Where each node of a YAML document sits, so that errors found after parsing (an unknown
//! method, a parameter out of range) can still name a line and column.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, Span};

/// A path into the document: mapping keys and sequence indices, as strings.
pub type YamlPath = Vec<String>;

#[derive(Debug, Default, Clone)]
pub struct Positions {
    values: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
}

enum Frame {
    Map { path: YamlPath, key: Option<String> },
    Seq { path: YamlPath, index: usize },
}

fn join(path: &[String]) -> String {
    path.join("\u{1f}")
}

fn at(span: &Span) -> (usize, usize) {
    (span.start.line(), span.start.col() + 1)
}

impl Positions {
    /// Indexes `text`; a document the parser rejects yields an empty index (the serde parse
    /// reports that error with its own location).
    pub fn index(text: &str) -> Positions {
        let mut pos = Positions::default();
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(path) = pos.value_path(&mut stack, &span, Some(&value)) {
                        pos.values.insert(join(&path), at(&span));
                    }
                }
                Event::Alias(_) => {
                    if let Some(path) = pos.value_path(&mut stack, &span, None) {
                        pos.values.insert(join(&path), at(&span));
                    }
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let path = if stack.is_empty() {
                        Some(Vec::new())
                    } else {
                        pos.value_path(&mut stack, &span, None)
                    };
                    // A collection used as a mapping key has no path of its own; give it one that
                    // nothing looks up so that its children still nest correctly.
                    let path = path.unwrap_or_else(|| vec!["\u{0}complex-key".into()]);
                    pos.values.insert(join(&path), at(&span));
                    stack.push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Map { path, key: None }
                    } else {
                        Frame::Seq { path, index: 0 }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                _ => {}
            }
        }
        pos
    }

    /// For a node that starts now: records it as a key (returning None) or returns its value path.
    fn value_path(&mut self, stack: &mut [Frame], span: &Span, scalar: Option<&str>) -> Option<YamlPath> {
        match stack.last_mut()? {
            Frame::Map { path, key } => match key.take() {
                Some(k) => {
                    let mut p = path.clone();
                    p.push(k);
                    Some(p)
                }
                None => {
                    let k = scalar.unwrap_or("\u{0}complex-key").to_string();
                    let mut p = path.clone();
                    p.push(k.clone());
                    self.keys.insert(join(&p), at(span));
                    *key = Some(k);
                    None
                }
            },
            Frame::Seq { path, index } => {
                let mut p = path.clone();
                p.push(index.to_string());
                *index += 1;
                Some(p)
            }
        }
    }

    /// The position of the value at `path`, or of its nearest ancestor that has one.
    pub fn value(&self, path: &[&str]) -> Option<(usize, usize)> {
        (0..=path.len()).rev().find_map(|n| {
            let p: Vec<String> = path[..n].iter().map(|s| s.to_string()).collect();
            self.values.get(&join(&p)).copied()
        })
    }

    /// The position of the key that ends `path` (falling back to the value's position).
    pub fn key(&self, path: &[&str]) -> Option<(usize, usize)> {
        let p: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        self.keys.get(&join(&p)).copied().or_else(|| self.value(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_values_and_sequence_items() {
        let text = "name: x\nstages:\n  data:\n    kind: ingest\n    needs: [a, b]\n    with:\n      k: 3\n";
        let p = Positions::index(text);
        assert_eq!(p.key(&["stages", "data"]), Some((3, 3)));
        assert_eq!(p.value(&["stages", "data", "kind"]), Some((4, 11)));
        assert_eq!(p.value(&["stages", "data", "needs", "1"]), Some((5, 16)));
        assert_eq!(p.value(&["stages", "data", "with", "k"]), Some((7, 10)));
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(p.value(&["stages", "data", "with", "zz"]), Some((7, 7)));
    }
}
