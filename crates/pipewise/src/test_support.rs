//! Helpers shared by unit tests of several modules.

/// The string patterns of the arms of the `match` in `pub fn {function}(` of `src`
/// (a module's own text, `include_str!`): the lines `indent` spaces deep that start
/// with `"` or `| "`, up to a guard (` if `) or `=>`. Tests compare them with the
/// lists kept beside a `match` (a name added to an arm and not to the list fails).
pub(crate) fn match_arm_names<'s>(src: &'s str, function: &str, indent: usize) -> Vec<&'s str> {
    let start = src
        .find(&format!("pub fn {function}("))
        .unwrap_or_else(|| panic!("{function} is in the file"));
    let body = &src[start..];
    let body = &body[..body.find("\n}\n").expect("the function ends")];
    let mut arms: Vec<&str> = vec![];
    for line in body.lines() {
        let Some(rest) = line
            .get(..indent)
            .filter(|lead| lead.bytes().all(|b| b == b' '))
            .map(|_| &line[indent..])
        else {
            continue;
        };
        if rest.starts_with(' ') || !(rest.starts_with('"') || rest.starts_with("| \"")) {
            continue;
        }
        let pattern = rest.split(" if ").next().unwrap_or(rest);
        let pattern = pattern.split("=>").next().unwrap_or(pattern);
        arms.extend(pattern.split('"').skip(1).step_by(2));
    }
    arms
}
