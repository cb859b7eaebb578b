//! Lowering a GitLab pipeline into the shared model ([`crate::workflow`]): one
//! [`Workflow`] per file of the pipeline (so a finding about a file's own keys points
//! into that file), holding the jobs whose last definition is in that file. Each line
//! of `before_script`, `script` and `after_script` becomes a run step whose node keeps
//! its exact span in the file it comes from ([`Step::origin`]); `needs:` (or, without
//! it, the jobs of the nearest earlier stage, which transitively are all earlier
//! stages) becomes the job's needs.

use super::include::IncludeKind;
use super::pipeline::{Job as GlJob, Pipeline};
use crate::finding::Span;
use crate::shell::Script;
use crate::workflow::{
    image_of, Concurrency, Condition, Container, Environment, FileRef, Job, Kinds, KindsOf, Matrix,
    Need, NeedFrom, Needs, Origin, Platform, Run, Runner, Service, Step, Timeout, Workflow,
};
use foldhash::HashMap;
use pipewise_yaml::{Node, NodeKind};
use std::sync::{Arc, Mutex};

/// The workflows of one pipeline: one per file, in the pipeline's file order.
pub fn lower<'a>(p: &'a Pipeline<'a>) -> Vec<Workflow<'a>> {
    let mut out = vec![];
    let condition = p.global("workflow").and_then(|(_, w)| w.get("rules"));
    // Script lines by their text: a line that many jobs get from one template or
    // `default:` (or that many jobs write alike) is parsed once and shared. Parsing
    // depends on the text alone, and spans in a `Script` are relative to it.
    let mut parsed = Parsed::default();
    // The jobs of each stage (at most 256, in job order): the needs of a job
    // without `needs:`, read once instead of a pass over every job per job.
    let mut by_stage: HashMap<&'a str, Vec<Need<'a>>> = HashMap::default();
    for j in &p.jobs {
        let names = by_stage.entry(stage_of(j)).or_default();
        if names.len() < 256 {
            names.push(implied(j.name));
        }
    }
    for (fi, f) in p.files.iter().enumerate() {
        let Some(doc) = &f.yaml else { continue };
        let mut jobs: Vec<Job<'a>> = p
            .jobs
            .iter()
            .filter(|j| j.file == fi)
            .map(|j| lower_job(p, j, &by_stage, &mut parsed))
            .collect();
        // GitLab's templates and catalog components bring their jobs with them: each
        // becomes a job with one step that uses it (`Security/SAST.gitlab-ci.yml`),
        // so the catalogue can say what it provides.
        jobs.extend(
            p.includes
                .iter()
                .filter(|(f, i)| {
                    *f == fi && matches!(i.kind, IncludeKind::Template | IncludeKind::Component)
                })
                .map(|(_, i)| {
                    let mut job = Job {
                        steps: vec![uses_step(i.target_node)],
                        ..Job::new(i.target, i.node, i.node)
                    };
                    // The include's `rules:` say when its jobs are in the pipeline.
                    read_fields(&mut job, i.node, |_| None);
                    job
                }),
        );
        out.push(Workflow {
            path: &f.path,
            doc,
            root: &doc.root,
            name: None,
            triggers: vec![],
            jobs,
            problems: vec![],
            platform: Platform::GitLab,
            condition,
            incomplete: p.incomplete,
            concurrency: None,
            permissions: None,
            kinds_of: None,
        });
    }
    // The pipeline's triggers, the same for each of its files (GitLab's defaults
    // read the jobs of every file).
    let root = p
        .files
        .first()
        .and_then(|f| f.yaml.as_ref())
        .map_or(Span::default(), |d| d.root.span);
    let triggers =
        super::sources::triggers(condition, p.child, out.iter().flat_map(|w| &w.jobs), root);
    // Each job's kinds of start: the pipeline's, narrowed by its own rules, read
    // when a reader asks (most jobs' are never asked), the `if:` texts once for the
    // pipeline.
    let all = Kinds::of(&triggers);
    let kinds = Mutex::new(super::sources::JobKinds::new(
        &triggers,
        condition.is_some(),
    ));
    // A poisoned lock (a panic while reading): every kind of the pipeline.
    let of = KindsOf(Arc::new(move |j: &Job| {
        kinds.lock().map_or(all, |mut k| k.of(j))
    }));
    for w in &mut out {
        w.triggers.clone_from(&triggers);
        w.kinds_of = Some(of.clone());
    }
    out
}

fn stage_of<'x>(j: &'x GlJob) -> &'x str {
    j.get("stage").and_then(Node::as_str).unwrap_or("test")
}

fn needs<'a>(
    p: &'a Pipeline<'a>,
    j: &'a GlJob<'a>,
    by_stage: &HashMap<&'a str, Vec<Need<'a>>>,
) -> Needs<'a> {
    if let Some(e) = j.entry("needs") {
        let list = match &e.value.kind {
            NodeKind::Seq(items) => items.iter().filter_map(need).collect(),
            _ => vec![],
        };
        return Needs {
            entry: Some(e),
            list,
        };
    }
    let Some(mine) = p.stages.iter().position(|s| s == stage_of(j)) else {
        return Needs::default();
    };
    // The nearest earlier stage that has jobs.
    let list = p.stages[..mine]
        .iter()
        .rev()
        .find_map(|s| by_stage.get(s.as_str()).filter(|v| !v.is_empty()))
        .cloned()
        .unwrap_or_default();
    Needs { entry: None, list }
}

/// One `needs:` item: a job name, or a mapping with `job:` (and `optional:`,
/// `artifacts:`, `pipeline:` or `project:`); `None` without a job name.
fn need(i: &Node) -> Option<Need<'_>> {
    let (job, optional, artifacts, from) = match i.as_str() {
        Some(job) => (job, false, true, NeedFrom::Here),
        None => {
            let job = i.get("job").and_then(Node::as_str)?;
            let from = if i.get("pipeline").is_some() {
                NeedFrom::ParentPipeline
            } else if i.get("project").is_some() {
                NeedFrom::Project
            } else {
                NeedFrom::Here
            };
            let flag = |k: &str| i.get(k).and_then(Node::as_bool);
            (
                job,
                flag("optional") == Some(true),
                flag("artifacts") != Some(false),
                from,
            )
        }
    };
    Some(Need {
        job: super::pipeline::matrix_base(job),
        node: Some(i),
        optional,
        artifacts,
        from,
    })
}

/// A need GitLab's stage order implies: the job waits for `job` of the nearest
/// earlier stage, and gets its artifacts.
fn implied(job: &str) -> Need<'_> {
    Need {
        job,
        node: None,
        optional: false,
        artifacts: true,
        from: NeedFrom::Here,
    }
}

/// Parsed script lines by text, and by the address of a long line's shared text
/// (the copies of a template's or `default:`'s line share one allocation): found
/// without hashing or comparing the line again.
#[derive(Default)]
struct Parsed<'a> {
    by_text: HashMap<&'a str, Arc<Script>>,
    by_address: HashMap<usize, Arc<Script>>,
}

impl<'a> Parsed<'a> {
    /// The parsed script of line `node` (a scalar) with text `text`.
    fn script(&mut self, node: &'a Node, text: &'a str) -> Arc<Script> {
        // A shared text lives as long as the pipeline: its address names it.
        let address = match &node.kind {
            NodeKind::Scalar { value, .. } if !value.is_inline() => Some(text.as_ptr().addr()),
            _ => None,
        };
        if let Some(s) = address.and_then(|a| self.by_address.get(&a)) {
            return s.clone();
        }
        let s = self
            .by_text
            .entry(text)
            .or_insert_with(|| Arc::new(Script::parse(text)))
            .clone();
        if let Some(a) = address {
            self.by_address.insert(a, s.clone());
        }
        s
    }
}

fn lower_job<'a>(
    p: &'a Pipeline<'a>,
    j: &'a GlJob<'a>,
    by_stage: &HashMap<&'a str, Vec<Need<'a>>>,
    parsed: &mut Parsed<'a>,
) -> Job<'a> {
    let mut job = Job {
        needs: needs(p, j, by_stage),
        ..Job::new(j.name, j.key, &j.node)
    };
    // Where a key of the merged job is written, when not in the job's own file.
    let elsewhere = |k: usize| {
        let fi = *j.key_files.get(k)?;
        let f = p.files.get(fi).filter(|_| fi != j.file)?;
        Some(FileRef {
            path: &f.path,
            doc: f.yaml.as_ref()?,
        })
    };
    read_fields(&mut job, &j.node, elsewhere);
    // Windows runners run PowerShell unless told otherwise: not parsed as bash.
    let posix = !job
        .runner
        .and_then(|r| r.tags())
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .any(|t| {
            t.as_str()
                .is_some_and(|t| t.to_ascii_lowercase().contains("windows"))
        });
    // As long as the job's lines at once (a lowered step is large: no regrowth).
    let mut steps = Vec::with_capacity(j.lines.len());
    steps.extend(j.lines.iter().enumerate().filter_map(|(index, line)| {
        let node = line.node(j)?;
        let text = node.as_str()?;
        let f = p.files.get(line.file)?;
        let doc = f.yaml.as_ref()?;
        Some(Step {
            run: Some(Run {
                node,
                text,
                shell: None,
                script: posix.then(|| parsed.script(node, text)),
            }),
            origin: Some(Origin {
                path: &f.path,
                doc,
                section: line.section,
            }),
            ..Step::new(index, node)
        })
    }));
    job.steps = steps;
    job
}

/// Fills the job's typed fields from its merged node, in one pass over its keys
/// (the first of a repeated key, as `Node::get` reads it). `rules:` is the job's
/// condition, else `only:`/`except:`. `elsewhere(i)` is the file the node's `i`th
/// key is written in when that is not the job's own.
fn read_fields<'a>(
    job: &mut Job<'a>,
    node: &'a Node,
    elsewhere: impl Fn(usize) -> Option<FileRef<'a>>,
) {
    let (mut only, mut except) = (None, None);
    for (i, e) in node.as_map().unwrap_or(&[]).iter().enumerate() {
        let v = &e.value;
        match e.key.as_str().unwrap_or("") {
            "rules" if job.condition.is_none() => job.condition = Some(Condition::Rules(e)),
            "only" if only.is_none() => only = Some(e),
            "except" if except.is_none() => except = Some(e),
            "environment" if job.environment.is_none() => {
                job.environment = Some(Environment::read(e))
            }
            "image" if job.container.is_none() => job.container = Some(Container::read(e, "name")),
            "services" if job.services.is_empty() => {
                job.services = v
                    .as_seq()
                    .unwrap_or(&[])
                    .iter()
                    .map(|s| Service {
                        node: s,
                        name: s.get("alias").and_then(Node::as_str),
                        image: image_of(s, "name"),
                    })
                    .collect()
            }
            "parallel" if job.matrix.is_none() => {
                job.matrix = v.get("matrix").map(Matrix::Parallel)
            }
            "timeout" if job.timeout.is_none() => {
                job.timeout = Some(Timeout {
                    entry: e,
                    minutes: v.as_str().and_then(duration_minutes),
                    file: elsewhere(i),
                })
            }
            "allow_failure" if job.allow_failure.is_none() => job.allow_failure = Some(e),
            "stage" if job.stage.is_none() => job.stage = v.as_str(),
            "tags" if job.runner.is_none() => job.runner = Some(Runner::Tags(e)),
            "when" if job.when.is_none() => job.when = Some(e),
            "resource_group" if job.concurrency.is_none() => {
                job.concurrency = Some(Concurrency::ResourceGroup(e))
            }
            "interruptible" if job.interruptible.is_none() => job.interruptible = Some(e),
            _ => {}
        }
    }
    if job.condition.is_none() && (only.is_some() || except.is_some()) {
        job.condition = Some(Condition::OnlyExcept { only, except });
    }
}

/// GitLab's `timeout:` (`1h 30m`, `90 minutes`, `2h`) in minutes.
fn duration_minutes(s: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut num: Option<f64> = None;
    let lower = s.to_ascii_lowercase();
    for w in lower
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &w[digits.len()..];
        if !digits.is_empty() {
            num = Some(digits.parse().ok()?);
        }
        if unit.is_empty() {
            continue;
        }
        let n = num.take()?;
        total += n * match unit.chars().next()? {
            'h' => 60.0,
            'm' => 1.0,
            's' => 1.0 / 60.0,
            'd' => 1440.0,
            _ => return None,
        };
    }
    (num.is_none() && total > 0.0).then_some(total)
}

/// A step that uses an included template or component.
fn uses_step(target: &Node) -> Step<'_> {
    Step {
        uses: Some(target),
        ..Step::new(0, target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::Repo;
    use crate::workflow::{Condition, TriggerKind};

    /// Written needs keep their entry and GitLab's forms (`optional:`,
    /// `artifacts:`, `pipeline:`, `project:`); a job without `needs:` needs the jobs
    /// of the nearest earlier stage, with no entry.
    #[test]
    fn needs_are_typed_with_their_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(".gitlab-ci.yml"),
            "stages: [build, test, deploy]\nbuild:\n  stage: build\n  script: [make]\nlint:\n  stage: build\n  script: [make lint]\ntest:\n  stage: test\n  script: [make test]\ndeploy:\n  stage: deploy\n  needs:\n    - build\n    - job: test\n      optional: true\n      artifacts: false\n    - pipeline: $PARENT_PIPELINE_ID\n      job: generate\n    - project: group/tools\n      job: bundle\n      ref: main\n    - {optional: true}\n  script: [make deploy]\n",
        )
        .expect("write");
        let repo = Repo::load(dir.path(), ".");
        let pipelines = crate::gitlab::pipelines(&repo, &[]);
        let wfs = lower(pipelines.first().expect("a pipeline"));
        let wf = wfs.first().expect("a workflow");
        let src = wf.doc.source();
        let needs = |id: &str| -> Vec<(&str, String, bool, bool, NeedFrom)> {
            let j = wf.job(id).expect("the job");
            j.needs
                .iter()
                .map(|n| {
                    let text = n.span().map_or(String::new(), |s| {
                        src[s.start..s.end]
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                    (n.job, text, n.optional, n.artifacts, n.from)
                })
                .collect()
        };
        use NeedFrom::*;
        let t = |s: &str| s.to_string();
        assert_eq!(
            needs("deploy"),
            [
                ("build", t("build"), false, true, Here),
                (
                    "test",
                    t("job: test optional: true artifacts: false"),
                    true,
                    false,
                    Here
                ),
                (
                    "generate",
                    t("pipeline: $PARENT_PIPELINE_ID job: generate"),
                    false,
                    true,
                    ParentPipeline
                ),
                (
                    "bundle",
                    t("project: group/tools job: bundle ref: main"),
                    false,
                    true,
                    Project
                ),
            ]
        );
        let deploy = wf.job("deploy").expect("deploy");
        assert_eq!(
            deploy.needs.entry.map(|e| e.key.span.start),
            src.find("needs")
        );
        // Implied by the stage order: both jobs of `build`, no entry.
        assert_eq!(
            needs("test"),
            [
                ("build", t(""), false, true, Here),
                ("lint", t(""), false, true, Here)
            ]
        );
        assert!(wf.job("test").is_some_and(|j| j.needs.entry.is_none()));
        assert!(needs("build").is_empty());
    }

    fn text(n: Option<&Node>) -> Option<&str> {
        n.and_then(Node::as_str)
    }

    /// Each typed job field, read by the GitLab lowering from its key (after
    /// `extends:` and `default:` are merged): a job with every one, a job with the
    /// short forms and `only:`/`except:`, a job with none, and template includes.
    #[test]
    fn job_fields_are_read_from_gitlab_keys() {
        let repo = super::super::pipeline::tests::repo_of(&[(
            ".gitlab-ci.yml",
            concat!(
                "include:\n  - template: Security/SAST.gitlab-ci.yml\n",
                "  - template: Jobs/Build.gitlab-ci.yml\n    rules:\n      - if: $CI_COMMIT_TAG\n",
                "stages: [build, deploy]\n",
                ".base:\n  timeout: 1h 30m\n",
                "full:\n  extends: .base\n  stage: deploy\n",
                "  image:\n    name: alpine:3\n    entrypoint: ['']\n",
                "  services:\n    - postgres:16\n    - name: redis:7\n      alias: cache\n",
                "  environment:\n    name: prod\n    action: start\n",
                "  parallel:\n    matrix:\n      - OS: [a, b]\n      - OS: c\n",
                "  allow_failure: true\n",
                "  tags: [saas-linux-small-amd64]\n  when: manual\n",
                "  resource_group: production\n  interruptible: false\n",
                "  rules:\n    - if: $CI_COMMIT_BRANCH\n",
                "  only: [main]\n  script: [x]\n",
                "short:\n  stage: build\n  image: node:22\n  environment: staging\n",
                "  timeout: soon\n  only: [main]\n  except: [tags]\n  script: [x]\n",
                "except:\n  stage: build\n  except: [tags]\n  script: [x]\n",
                "none:\n  script: [x]\n",
            ),
        )]);
        let pipelines = crate::gitlab::pipelines(&repo, &[]);
        let wfs = lower(&pipelines[0]);
        let job = |id: &str| wfs[0].job(id).unwrap();
        let full = job("full");
        assert!(matches!(full.condition, Some(Condition::Rules(_))));
        assert!(full.condition.unwrap().expression().is_none());
        assert!(full.condition.unwrap().node().unwrap().as_seq().is_some());
        assert_eq!(full.stage, Some("deploy"));
        assert_eq!(text(full.container.unwrap().image), Some("alpine:3"));
        let services: Vec<_> = full
            .services
            .iter()
            .map(|s| (s.name, text(s.image)))
            .collect();
        assert_eq!(
            services,
            [
                (None, Some("postgres:16")),
                (Some("cache"), Some("redis:7"))
            ]
        );
        assert_eq!(full.environment(), Some("prod"));
        assert!(matches!(full.matrix, Some(Matrix::Parallel(_))));
        assert_eq!(full.matrix_values("OS").unwrap(), ["a", "b", "c"]);
        assert_eq!(full.timeout.unwrap().minutes, Some(90.0));
        assert_eq!(text(full.allow_failure.map(|e| &e.value)), Some("true"));
        let runner = full.runner.unwrap();
        assert!(matches!(runner, Runner::Tags(_)) && runner.runs_on().is_none());
        let tags = runner.tags().and_then(Node::as_seq).unwrap();
        assert_eq!(text(tags.first()), Some("saas-linux-small-amd64"));
        assert_eq!(text(full.when.map(|e| &e.value)), Some("manual"));
        let conc = full.concurrency.unwrap();
        assert!(matches!(conc, Concurrency::ResourceGroup(_)) && conc.group().is_none());
        assert_eq!(text(Some(&conc.entry().value)), Some("production"));
        assert_eq!(
            full.interruptible.and_then(|e| e.value.as_bool()),
            Some(false)
        );
        assert!(full.permissions.is_none() && full.outputs.is_none());
        assert!(wfs[0].permissions.is_none() && wfs[0].concurrency.is_none());
        let short = job("short");
        let Some(Condition::OnlyExcept { only, except }) = short.condition else {
            panic!("{:?}", short.condition);
        };
        assert_eq!(only.and_then(|e| e.key.as_str()), Some("only"));
        assert_eq!(except.and_then(|e| e.key.as_str()), Some("except"));
        assert_eq!(short.condition.unwrap().node(), only.map(|e| &e.value));
        assert_eq!(text(short.container.unwrap().image), Some("node:22"));
        assert_eq!(short.environment(), Some("staging"));
        assert_eq!(short.timeout.unwrap().minutes, None);
        let except = job("except").condition.unwrap();
        assert_eq!(
            text(except.node().and_then(|n| n.as_seq()?.first())),
            Some("tags")
        );
        // A template's jobs are in the pipeline when the include's `rules:` hold.
        let build = job("Jobs/Build.gitlab-ci.yml").condition;
        assert!(build.and_then(|c| c.rules()).is_some(), "{build:?}");
        for id in ["none", "Security/SAST.gitlab-ci.yml"] {
            let j = job(id);
            assert!(j.condition.is_none() && j.environment.is_none(), "{id}");
            assert!(j.container.is_none() && j.services.is_empty(), "{id}");
            assert!(j.matrix.is_none() && j.timeout.is_none(), "{id}");
            assert!(j.allow_failure.is_none() && j.stage.is_none(), "{id}");
            assert!(j.runner.is_none() && j.when.is_none(), "{id}");
            assert!(j.concurrency.is_none() && j.interruptible.is_none(), "{id}");
        }
        // A script line runs when its job does, where its job does, and fails it:
        // no step field of its own (`allow_failure:` is the job's).
        for id in ["full", "none"] {
            let j = job(id);
            assert!(j.working_directory.is_none(), "{id}");
            assert!(!j.steps.is_empty(), "{id}");
            for s in &j.steps {
                assert!(s.condition.is_none() && s.allow_failure.is_none(), "{id}");
                assert!(s.working_directory.is_none() && s.cwd(Some(j)).is_none());
                assert!(s.run.is_some() && s.uses.is_none() && s.with.is_none());
            }
        }
    }

    #[test]
    fn gitlab_timeouts_read_in_minutes() {
        assert_eq!(duration_minutes("1h 30m"), Some(90.0));
        assert_eq!(duration_minutes("90 minutes"), Some(90.0));
        assert_eq!(duration_minutes("2h"), Some(120.0));
        assert_eq!(duration_minutes("soon"), None);
        assert_eq!(duration_minutes("30"), None);
    }

    /// The triggers of every pipeline of a repository whose files are `files`
    /// (`(path, text)`): per pipeline, per file, `(event, kind)`.
    fn triggers_of(files: &[(&str, &str)]) -> Vec<Vec<Vec<(String, TriggerKind)>>> {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            std::fs::write(dir.path().join(path), text).expect("write");
        }
        let repo = Repo::load(dir.path(), ".");
        crate::gitlab::pipelines(&repo, &[])
            .iter()
            .map(|p| {
                lower(p)
                    .iter()
                    .map(|w| {
                        w.triggers
                            .iter()
                            .map(|t| (t.event.to_string(), t.kind))
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// The triggers of a one-file pipeline.
    fn root_triggers(text: &str) -> Vec<(String, TriggerKind)> {
        let mut all = triggers_of(&[(".gitlab-ci.yml", text)]);
        assert_eq!(all.len(), 1, "one pipeline");
        let mut files = all.remove(0);
        assert_eq!(files.len(), 1, "one file");
        files.remove(0)
    }

    fn pairs(list: &[(&str, TriggerKind)]) -> Vec<(String, TriggerKind)> {
        list.iter().map(|(e, k)| (e.to_string(), *k)).collect()
    }

    /// Without `workflow: rules:`, GitLab's defaults: branch and tag pipelines, and
    /// merge request pipelines when a job may be created in them (its `rules:`,
    /// manual or not, or `only: [merge_requests]`).
    #[test]
    fn gitlab_defaults_are_branch_and_tag_pipelines_and_asked_merge_requests() {
        use TriggerKind as K;
        let push_tag = pairs(&[("push", K::Push), ("tag", K::Tag)]);
        let with_mr = pairs(&[
            ("push", K::Push),
            ("merge_request_event", K::ChangeRequest),
            ("tag", K::Tag),
        ]);
        assert_eq!(root_triggers("test:\n  script: [make test]\n"), push_tag);
        assert_eq!(
            root_triggers("test:\n  script: [make]\n  rules:\n    - if: $CI_COMMIT_BRANCH\n"),
            push_tag
        );
        assert_eq!(
            root_triggers("test:\n  script: [make]\nmr:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n      when: manual\n"),
            with_mr
        );
        assert_eq!(
            root_triggers("mr:\n  script: [make]\n  only: [merge_requests]\n"),
            with_mr
        );
        // Possible only through a variable pipewise cannot decide: not asked.
        assert_eq!(
            root_triggers("nightly:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\" || $CI_PIPELINE_TRIGGERED == \"true\"\n"),
            push_tag
        );
        assert_eq!(
            root_triggers("review:\n  script: [make]\n  rules:\n    - if: $CI_MERGE_REQUEST_TARGET_BRANCH_NAME =~ /^renovate/\n"),
            with_mr
        );
        assert_eq!(
            root_triggers("mr:\n  script: [make]\n  only:\n    refs: [merge_requests]\n"),
            with_mr
        );
        // Asked, then refused by the first matching rule.
        assert_eq!(
            root_triggers("mr:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n      when: never\n    - when: always\n"),
            push_tag
        );
    }

    /// `workflow: rules:` decide: each source they may allow (the first matching
    /// rule deciding, `when: never` included); sources set up outside the file only
    /// when a rule names them; each trigger's node is the rule that lets it run.
    #[test]
    fn workflow_rules_decide_the_triggers() {
        use TriggerKind as K;
        let text = "workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n    - if: $CI_COMMIT_TAG\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\ntest:\n  script: [make]\n";
        assert_eq!(
            root_triggers(text),
            pairs(&[
                ("merge_request_event", K::ChangeRequest),
                ("tag", K::Tag),
                ("schedule", K::Schedule)
            ])
        );
        // `when: never` first: merge requests excluded; the rest allowed, but
        // schedules, the button and the API are not named, so not triggers.
        assert_eq!(
            root_triggers("workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n      when: never\n    - when: always\ntest:\n  script: [make]\n"),
            pairs(&[("push", K::Push), ("tag", K::Tag)])
        );
        assert_eq!(
            root_triggers("workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"web\" || $CI_PIPELINE_SOURCE == \"api\"\n    - if: $CI_PIPELINE_SOURCE == 'trigger'\n    - if: $CI_PIPELINE_SOURCE == \"pipeline\"\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n      when: never\ntest:\n  script: [make]\n"),
            pairs(&[
                ("web", K::Manual),
                ("api", K::Api),
                ("trigger", K::Api),
                ("pipeline", K::Api)
            ])
        );
        // A branch pipeline on the default branch only: undecided for pushes
        // (which branch is not known), still a trigger.
        assert_eq!(
            root_triggers("workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\ntest:\n  script: [make]\n"),
            pairs(&[("push", K::Push)])
        );
        // The node and span are the rule's.
        lowered(text, |wf| {
            let t = wf
                .triggers
                .iter()
                .find(|t| t.kind == K::Schedule)
                .expect("schedule");
            let src = wf.doc.source();
            let said = &src[t.span.start..t.span.end];
            assert!(
                said.trim_start_matches("- ")
                    .starts_with("if: $CI_PIPELINE_SOURCE == \"schedule\""),
                "{said:?}"
            );
            assert_eq!(t.config.map(|c| c.span), Some(t.span));
        });
    }

    /// `f` of the first workflow of a one-file pipeline.
    fn lowered<R>(text: &str, f: impl FnOnce(&Workflow) -> R) -> R {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(".gitlab-ci.yml"), text).expect("write");
        let repo = Repo::load(dir.path(), ".");
        let pipelines = crate::gitlab::pipelines(&repo, &[]);
        let wfs = lower(pipelines.first().expect("a pipeline"));
        f(wfs.first().expect("a workflow"))
    }

    /// Each job's kinds of start in a one-file pipeline, by job id.
    fn job_kinds(text: &str) -> Vec<(String, Vec<TriggerKind>)> {
        lowered(text, |wf| {
            wf.jobs
                .iter()
                .map(|j| (j.id.to_string(), wf.job_kinds(j).iter().collect()))
                .collect()
        })
    }

    /// A job runs under the kinds of its pipeline's triggers that its own `rules:`,
    /// `only:`/`except:` or `when: never` may put it in: `$CI_PIPELINE_SOURCE`,
    /// `$CI_COMMIT_TAG`, `$CI_MERGE_REQUEST_IID` and a branch test decide; what they
    /// do not decide (other variables, regular expressions, `only: variables:`)
    /// keeps every kind of the pipeline.
    #[test]
    fn job_kinds_narrow_the_pipeline_triggers_by_the_job_rules() {
        use TriggerKind::{ChangeRequest as Mr, Push, Schedule, Tag};
        let text = "workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n    - if: $CI_COMMIT_TAG\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n    - if: $CI_COMMIT_BRANCH\n\
plain:\n  script: [make]\n\
nightly:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n\
release:\n  script: [make]\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: manual\n\
review:\n  script: [make]\n  rules:\n    - if: $CI_MERGE_REQUEST_IID\n\
feature:\n  script: [make]\n  rules:\n    - if: $CI_COMMIT_BRANCH != $CI_DEFAULT_BRANCH\n\
main-only:\n  script: [make]\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n\
not-mr:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n      when: never\n    - when: on_success\n\
off:\n  script: [make]\n  rules:\n    - when: never\n\
off-too:\n  script: [make]\n  when: never\n\
deploy-var:\n  script: [make]\n  rules:\n    - if: $DEPLOY == \"yes\"\n\
regex:\n  script: [make]\n  rules:\n    - if: $CI_COMMIT_REF_NAME =~ /^release/\n\
changed:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n      changes: [src/*]\n\
only-tags:\n  script: [make]\n  only: [tags]\n\
only-schedules:\n  script: [make]\n  only:\n    refs: [schedules]\n\
except-mr:\n  script: [make]\n  except: [merge_requests]\n\
only-vars:\n  script: [make]\n  only:\n    variables: [$CRON_TASK == \"IMAGES\"]\n";
        let all = vec![Push, Tag, Mr, Schedule];
        let expect: Vec<(String, Vec<TriggerKind>)> = [
            ("plain", all.clone()),
            ("nightly", vec![Schedule]),
            // Manual: created in tag pipelines, run by hand there; a schedule may
            // run on a tag (its ref is chosen outside the file).
            ("release", vec![Tag, Schedule]),
            ("review", vec![Mr]),
            // Not the default branch: pushes still (which branch is not known),
            // tags and merge requests (no `$CI_COMMIT_BRANCH` there), a schedule's
            // ref not known.
            ("feature", all.clone()),
            // The default branch: pushes (to it), a schedule (on it), not tags or
            // merge requests.
            ("main-only", vec![Push, Schedule]),
            ("not-mr", vec![Push, Tag, Schedule]),
            ("off", vec![]),
            ("off-too", vec![]),
            ("deploy-var", all.clone()),
            ("regex", all.clone()),
            ("changed", vec![Schedule]),
            ("only-tags", vec![Tag]),
            ("only-schedules", vec![Schedule]),
            ("except-mr", vec![Push, Tag, Schedule]),
            ("only-vars", all.clone()),
        ]
        .into_iter()
        .map(|(id, k)| (id.to_string(), k))
        .collect();
        assert_eq!(job_kinds(text), expect);
        // Without `workflow: rules:`, a job without rules is in branch and tag
        // pipelines only (GitLab's `only: [branches, tags]`), though another job
        // brings merge request pipelines; a source the pipeline has no trigger for
        // (a schedule: not named by any `workflow: rules:`) is no job's.
        assert_eq!(
            job_kinds("build:\n  script: [docker build .]\nreview:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\nnightly:\n  script: [make]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\n"),
            vec![
                ("build".to_string(), vec![Push, Tag]),
                ("review".to_string(), vec![Mr]),
                ("nightly".to_string(), vec![]),
            ]
        );
    }

    /// Every file of a pipeline has the pipeline's triggers; a child pipeline's
    /// trigger is its parent.
    #[test]
    fn files_share_the_pipeline_triggers_and_children_run_from_their_parent() {
        use TriggerKind as K;
        let got = triggers_of(&[
            (
                ".gitlab-ci.yml",
                "include: [{local: jobs.yml}]\nworkflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\nchild:\n  trigger:\n    include: child.yml\n",
            ),
            ("jobs.yml", "test:\n  script: [make]\n"),
            ("child.yml", "build:\n  script: [make]\n"),
        ]);
        let push = pairs(&[("push", K::Push)]);
        let parent = pairs(&[("parent_pipeline", K::Call)]);
        assert_eq!(got, [vec![push.clone(), push], vec![parent]]);
    }
}
