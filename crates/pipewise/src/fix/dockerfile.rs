//! Dockerfile fixes, by span: `-y` / `--no-install-recommends` after
//! `apt-get install`, and a `USER` for a final stage that runs as root.

use super::{Edit, Plan, Safety, Site};

/// `container/apt-get-install`: the missing flags go right after `install`.
/// `-y` alone is safe (it only removes the prompt that aborts the build);
/// `--no-install-recommends` is unsafe (a recommended package the image relied on
/// is no longer installed).
pub fn apt_plan(site: &Site) -> Option<Plan> {
    let text = site.text();
    let msg = &site.finding.message;
    let want_yes = msg.contains("without `-y`");
    let want_rec = msg.contains("`--no-install-recommends`");
    if !want_yes && !want_rec {
        return None;
    }
    let cmd = text.get(site.offset..site.end)?;
    let at = cmd.find(" install")? + " install".len();
    // `install` must end a word.
    if cmd[at..]
        .chars()
        .next()
        .is_some_and(|c| !c.is_whitespace() && c != '\\')
    {
        return None;
    }
    let mut flags = String::new();
    if want_yes {
        flags.push_str(" -y");
    }
    if want_rec {
        flags.push_str(" --no-install-recommends");
    }
    let safety = if want_rec {
        Safety::Unsafe
    } else {
        Safety::Safe
    };
    Some(site.plan(
        safety,
        format!("add `{}` to `install`", flags.trim()),
        vec![Edit::insert(site.offset + at, flags)],
    ))
}

/// The user a stage creates (`useradd … NAME`, `adduser … NAME`), if any.
fn created_user(stage_text: &str) -> Option<String> {
    let mut found = None;
    for line in stage_text.lines() {
        for part in line.split(['&', ';', '|']) {
            let words: Vec<&str> = part.split_whitespace().collect();
            let Some(i) = words
                .iter()
                .position(|w| *w == "useradd" || *w == "adduser")
            else {
                continue;
            };
            if let Some(name) = words[i + 1..]
                .iter()
                .rev()
                .find(|w| !w.starts_with('-') && **w != "\\")
            {
                let ok = name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if ok && !name.chars().all(|c| c.is_ascii_digit()) {
                    found = Some(name.to_string());
                }
            }
        }
    }
    found
}

/// `container/root-user` on a final stage without `USER`: `USER <name>` before its
/// `CMD`/`ENTRYPOINT` (or at its end), with the user the stage creates, or `node`
/// on the official Node.js images. Unsafe: files the process writes must be
/// writable by that user.
pub fn user_plan(site: &Site) -> Option<Plan> {
    let text = site.text();
    if !site.finding.message.contains("has no `USER`") {
        return None;
    }
    let stage = text.get(site.offset..)?;
    let stage_end = stage
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .find(|&i| {
            stage[i..]
                .trim_start()
                .to_ascii_uppercase()
                .starts_with("FROM ")
        })
        .unwrap_or(stage.len());
    let stage = &stage[..stage_end];
    let base = stage.split_whitespace().nth(1).unwrap_or("");
    let user = created_user(stage).or_else(|| {
        let image = base.rsplit('/').next().unwrap_or(base);
        (image.starts_with("node:") || image == "node").then(|| "node".to_string())
    })?;
    let nl = super::yaml::eol(text);
    // Before the first CMD/ENTRYPOINT line of the stage (continuation lines are
    // never at a line start with these words).
    let mut at = None;
    let mut pos = 0;
    for line in stage.split_inclusive('\n') {
        let up = line.trim_start().to_ascii_uppercase();
        if pos > 0 && (up.starts_with("CMD") || up.starts_with("ENTRYPOINT")) {
            at = Some(site.offset + pos);
            break;
        }
        pos += line.len();
    }
    let edit = match at {
        Some(at) => Edit::insert(at, format!("USER {user}{nl}")),
        None => {
            let end = site.offset + stage_end;
            let sep = if text[..end].ends_with('\n') { "" } else { nl };
            Edit::insert(end, format!("{sep}USER {user}{nl}"))
        }
    };
    Some(site.plan(
        Safety::Unsafe,
        format!("run the final stage as `USER {user}`"),
        vec![edit],
    ))
}
