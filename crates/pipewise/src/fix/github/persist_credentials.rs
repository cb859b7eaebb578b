//! `security/persisted-credentials`: add `persist-credentials: false` to the
//! checkout. Safe when no later step of the job pushes or runs an action that may
//! use the stored token; unsafe otherwise (that step then needs a token of its own).

use super::{set_step_input, site_job, site_step, Plan, Safety, Site};

/// Actions that push with the checkout's stored credentials.
const PUSHING_ACTIONS: &[&str] = &[
    "stefanzweifel/git-auto-commit-action",
    "ad-m/github-push-action",
    "endbug/add-and-commit",
    "peter-evans/create-pull-request",
    "changesets/action",
    "jamesives/github-pages-deploy-action",
    "peaceiris/actions-gh-pages",
    "test-room-7/action-update-file",
    "github-actions-x/commit",
];

pub fn plan(site: &Site) -> Option<Plan> {
    let wf = site.workflow()?;
    let job = site_job(&wf, site)?;
    let step = site_step(job, site)?;
    if step.action() != Some("actions/checkout") {
        return None;
    }
    let later = &job.steps[step.index + 1..];
    let pushes = later.iter().any(|s| {
        let h = s.haystack();
        h.contains("git push")
            || h.contains("git commit")
            || h.contains("gh pr create")
            || h.contains("git tag")
            || s.action().is_some_and(|a| PUSHING_ACTIONS.contains(&a))
    }) || later.iter().any(|s| {
        // A script the step calls may push too.
        s.run
            .as_ref()
            .and_then(|r| r.script.as_ref())
            .is_some_and(|sc| {
                sc.commands.iter().any(|c| {
                    crate::repo::called_script(site.repo, c, "").is_some_and(|p| {
                        let abs = site.repo.root.join(&p);
                        crate::source::read_text(&site.repo.root, &abs, &p)
                            .map(|t| t.contains("git push"))
                            .unwrap_or(true)
                    })
                })
            })
    });
    let edits = set_step_input(site.text(), step, "persist-credentials", "false")?;
    let (safety, why) = if pushes {
        (
            Safety::Unsafe,
            "; a later step pushes: give it a token of its own",
        )
    } else {
        (Safety::Safe, "")
    };
    Some(site.plan(
        safety,
        format!("set `persist-credentials: false` on `actions/checkout`{why}"),
        edits,
    ))
}
