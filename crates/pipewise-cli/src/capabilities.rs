//! `pipewise capabilities`: the capability vocabulary (ids for `pipewise scaffold`
//! and the report's capability verdicts), each with its name and what counts as
//! evidence that a repository has it (both from the capability's metadata).

use pipewise::analysis::capabilities::ALL;

/// Every capability in the report's order: a table in Markdown, else aligned text.
pub fn listing(markdown: bool) -> String {
    let mut s = String::new();
    if markdown {
        s.push_str("| Capability | Name | Present when the repository has |\n|---|---|---|\n");
    }
    for m in ALL.iter().map(|u| u.meta) {
        let (id, name, ev) = (m.id, m.name, m.evidence);
        if markdown {
            s.push_str(&format!(
                "| `{id}` | {name} | {} |\n",
                ev.replace('|', "\\|")
            ));
        } else {
            s.push_str(&format!("{id:<30} {name:<28} {ev}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_has_a_name_and_evidence() {
        for m in ALL.iter().map(|u| u.meta) {
            assert!(!m.evidence.is_empty(), "{} has no evidence text", m.id);
            assert!(!m.name.is_empty(), "{} has no name", m.id);
        }
        let text = listing(false);
        assert_eq!(text.lines().count(), ALL.len());
        assert!(text.starts_with("ci.build "), "{text}");
    }
}
