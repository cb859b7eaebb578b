//! `reliability/unlocked-action`: records the workflow's action reference in
//! `.github/workflows/actions.lock` (its workflow list and a `dependencies` entry
//! with the commit, `owner_id` and `repo_id`). The commit comes from the reference
//! itself (a SHA), the offline table or `--online`; the ids from another entry of
//! the same repository in the lock or `--online`. Unsafe: the lock now trusts that
//! commit, and a composite action's own dependencies are not resolved here (review
//! with `gh actions-lock`).

use super::lock_edits::{self, Locking};
use super::{pin_action, site_job, site_step, Plan, Safety, Site};
use crate::github::action_shas;
use crate::github::actions_lock;

pub fn plan(site: &Site) -> Option<Plan> {
    let lock = actions_lock::of(site.repo)?;
    let wf = site.workflow()?;
    let job = site_job(&wf, site)?;
    let step = site_step(job, site)?;
    let u = step.uses_str()?.trim();
    let (repo, r) = actions_lock::split(u)?;
    let action = u.rsplit_once('@')?.0;
    let (sha, tag) = if pin_action::is_sha(r) {
        let sha = r.to_ascii_lowercase();
        let tag =
            action_shas::version_comment(action, &sha).map_or_else(|| sha.clone(), str::to_string);
        (sha, tag)
    } else {
        let sha = match action_shas::known_sha(action, r) {
            Some(s) => s.to_string(),
            None => site.resolver?.resolve(action, r)?,
        };
        (sha.to_ascii_lowercase(), r.to_string())
    };
    if !pin_action::is_sha(&sha) {
        return None;
    }
    // A ref the workflow moved away from is replaced in its list, unless another
    // step still uses it.
    let was = match lock.status(&site.file.path, u)? {
        actions_lock::Status::OtherRef(old) => {
            let old = format!("{action}@{old}");
            let still = wf.jobs.iter().flat_map(|j| j.steps.iter()).any(|s| {
                s.uses_str()
                    .is_some_and(|x| actions_lock::split(x) == actions_lock::split(&old))
            });
            (!still).then_some(old)
        }
        _ => None,
    };
    let ids = lock
        .ids(&repo)
        .or_else(|| site.resolver.and_then(|res| res.repo_ids(&repo)))?;
    let edits = lock_edits::edits(
        &lock,
        &Locking {
            workflow: &site.file.path,
            uses: u,
            was: was.as_deref(),
            sha: &sha,
            tag: &tag,
            ids,
        },
    )?;
    Some(Plan::new(
        Safety::Unsafe,
        format!("record `{u}` (commit {sha}) in {}", actions_lock::PATH),
        actions_lock::PATH,
        edits,
    ))
}
