//! GitHub Actions' local and composite actions (`action.yml`) read into the
//! shared model ([`crate::workflow::Action`] and its steps).

use super::workflow::{first_key, parse_steps};
use crate::workflow::{Action, Problem};
use pipewise_yaml::{Document, Node};

impl<'a> Action<'a> {
    pub fn new(path: &'a str, doc: &'a Document) -> Action<'a> {
        let root = &doc.root;
        let mut problems = vec![];
        let runs = root.get("runs");
        let using = runs.and_then(|r| r.get("using")).and_then(Node::as_str);
        let mut steps = vec![];
        if root.as_map().is_none() {
            problems.push(Problem {
                span: root.span,
                message: format!("an action must be a mapping, found {}", root.type_name()),
            });
        } else if runs.is_none() {
            problems.push(Problem {
                span: first_key(root),
                message: "action has no `runs:`".into(),
            });
        }
        if let Some(s) = runs.and_then(|r| r.entry("steps")) {
            steps = parse_steps(&s.value, None, &mut problems);
        }
        Action {
            path,
            doc,
            root,
            using,
            steps,
            problems,
        }
    }
}
