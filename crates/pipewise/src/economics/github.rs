//! GitHub Actions' part of the economics model: a job's or step's `if:`, read once
//! and decided under each scenario by [`crate::github::conditions`] (GitLab's jobs
//! are decided from their `rules:` in [`super::gitlab`]). The only economics file
//! that names GitHub's code (`economics_names_no_github_code_but_its_own_file`).

use crate::github::conditions::Cond;
use crate::scenario::Scenario;
use crate::workflow::Tri;
use pipewise_yaml::Node;
use std::sync::Arc;

/// A GitHub `if:` (absent: always), parsed once; jobs and steps of a workflow that
/// write the same condition share one ([`Ifs`]).
#[derive(Debug)]
pub(crate) struct If(Arc<Cond>);

/// The `if:` texts of one workflow parsed so far, by text: a workflow repeats its
/// conditions (`always()`, `github.event_name == 'push'`, a long gate on every job
/// of a matrix family), and each parse costs thousands of instructions.
#[derive(Default)]
pub(super) struct Ifs<'a>(foldhash::HashMap<&'a str, Arc<Cond>>);

impl If {
    /// Parses an `if:` value ([`Cond::parse`]), or takes the condition of the same
    /// text parsed before from `seen`. Only a non-null scalar is looked up by its
    /// text: what [`Cond::parse`] makes of it depends on nothing else (a plain
    /// `null` is no condition, a quoted `'null'` is an expression).
    pub(super) fn parse<'a>(node: Option<&'a Node>, seen: &mut Ifs<'a>) -> If {
        let Some(text) = node.filter(|n| !n.is_null()).and_then(Node::as_str) else {
            return If(Arc::new(Cond::parse(node)));
        };
        If(seen
            .0
            .entry(text)
            .or_insert_with(|| Arc::new(Cond::parse_str(text)))
            .clone())
    }

    /// The condition's truth under `sc`.
    pub(super) fn eval(&self, sc: &Scenario) -> Tri {
        self.0.eval(sc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::RefKind;

    /// Conditions of the same text are parsed once and shared; each decides as its
    /// own parse would, and a plain `null` (no condition) is not taken for the
    /// expression `'null'` (always false).
    #[test]
    fn same_texts_share_one_parse_and_decide_as_parsed_alone() {
        let src = "a: \"github.event_name == 'push'\"\nb: github.event_name == 'push'\nc: 'null'\nd: null\ne: always()\n";
        let doc = pipewise_yaml::Document::parse(src.to_string()).expect("yaml");
        let nodes: Vec<&Node> = ["a", "b", "c", "d", "e"]
            .iter()
            .filter_map(|k| doc.root.get(k))
            .collect();
        assert_eq!(nodes.len(), 5);
        let mut seen = Ifs::default();
        let ifs: Vec<If> = nodes
            .iter()
            .map(|n| If::parse(Some(n), &mut seen))
            .collect();
        assert!(Arc::ptr_eq(&ifs[0].0, &ifs[1].0));
        assert!(!Arc::ptr_eq(&ifs[2].0, &ifs[3].0));
        for event in [Some("push"), Some("pull_request"), None] {
            let sc = Scenario {
                event,
                ref_kind: RefKind::Unknown,
                outsider: false,
                branch: None,
            };
            for (n, i) in nodes.iter().zip(&ifs) {
                assert_eq!(i.eval(&sc), Cond::parse(Some(n)).eval(&sc), "{n:?}");
            }
        }
        let push = Scenario {
            event: Some("push"),
            ref_kind: RefKind::Unknown,
            outsider: false,
            branch: None,
        };
        assert_eq!(ifs[3].eval(&push), Tri::True);
        assert_eq!(ifs[2].eval(&push), Tri::False);
        assert_eq!(If::parse(None, &mut seen).eval(&push), Tri::True);
    }
}
