//! Finding a cycle to show the user as `a -> b -> c -> a`.

use petgraph::graph::{DiGraph, NodeIndex};

/// A cycle among the stages, if there is one, as stage indices with the first repeated at the end.
/// `deps[i]` lists the stages stage `i` reads.
pub fn find_cycle(deps: &[Vec<usize>]) -> Option<Vec<usize>> {
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(deps.len(), deps.len());
    for _ in 0..deps.len() {
        g.add_node(());
    }
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            g.add_edge(NodeIndex::new(d), NodeIndex::new(i), ());
        }
    }
    let start = petgraph::algo::toposort(&g, None).err()?.node_id().index();
    // Walk back from `start` through its dependencies until we return to it (breadth-first, so
    // the cycle shown is a shortest one through that stage).
    let mut parent = vec![usize::MAX; deps.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &d in &deps[v] {
            if d == start {
                let mut path = vec![start];
                let mut cur = v;
                while cur != start {
                    path.push(cur);
                    cur = parent[cur];
                }
                // Each step of the parent chain is a data-flow edge, so this reads start -> ... -> start.
                path.push(start);
                return Some(path);
            }
            if parent[d] == usize::MAX && d != start {
                parent[d] = v;
                queue.push_back(d);
            }
        }
    }
    Some(vec![start, start])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_cycle_in_data_flow_order() {
        // a(0) reads c(2), b(1) reads a, c reads b: a -> b -> c -> a.
        let deps = vec![vec![2], vec![0], vec![1], vec![]];
        let c = find_cycle(&deps).unwrap();
        assert_eq!(c.first(), c.last());
        assert_eq!(c.len(), 4);
        let pos = |x: usize| c.iter().position(|&y| y == x).unwrap();
        assert_eq!((pos(1) + 3 - pos(0)) % 3, 1, "b follows a in {c:?}");
        assert!(find_cycle(&[vec![], vec![0]]).is_none());
        assert_eq!(find_cycle(&[vec![0]]), Some(vec![0, 0]));
    }
}
