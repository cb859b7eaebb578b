//! The plugins a Maven build runs by itself: a `pom.xml` binds plugin executions to
//! lifecycle phases (checkstyle in `validate`, jacoco's report in `prepare-package`),
//! and `mvn verify` runs every execution bound to a phase up to `verify`. pipewise
//! reads the `<build><plugins>` of each `pom.xml` (not `<pluginManagement>`, which
//! only configures, nor `<profiles>`, which need `-P`) with a small tag scanner:
//! linear in the file, no entity expansion, nothing fetched.

/// The default lifecycle's phases, in order.
const PHASES: &[&str] = &[
    "validate",
    "initialize",
    "generate-sources",
    "process-sources",
    "generate-resources",
    "process-resources",
    "compile",
    "process-classes",
    "generate-test-sources",
    "process-test-sources",
    "generate-test-resources",
    "process-test-resources",
    "test-compile",
    "process-test-classes",
    "test",
    "prepare-package",
    "package",
    "pre-integration-test",
    "integration-test",
    "post-integration-test",
    "verify",
    "install",
    "deploy",
];

/// The phase an execution without `<phase>` runs in, as far as pipewise knows
/// (a goal's default phase is in the plugin's own descriptor): `verify`, where the
/// checks of checkstyle, spotbugs, jacoco and dependency-check default to. It is
/// the late choice: a plugin is then credited to fewer commands, not more.
const DEFAULT_PHASE: usize = 20;

/// One past the last phase.
const DEFAULT_PHASE_END: usize = PHASES.len();

/// A plugin with executions in a `pom.xml`'s `<build><plugins>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plugin {
    pub artifact: String,
    /// Index in [`PHASES`] of the earliest phase one of its executions is bound to.
    pub phase: usize,
    pub file: String,
    pub line: usize,
}

/// The index of a lifecycle phase.
pub fn phase(word: &str) -> Option<usize> {
    PHASES.iter().position(|p| *p == word)
}

/// The plugins of one `pom.xml` that have executions, with the earliest phase each
/// is bound to.
pub fn plugins(file: &str, text: &str) -> Vec<Plugin> {
    let mut out = vec![];
    // Open elements (names), bounded: a deeper document is not a pom pipewise reads.
    let mut stack: Vec<&str> = vec![];
    // The plugin being read: artifactId, its `<plugin>` line, phases seen, and
    // whether it has an execution without a phase.
    let mut cur: Option<(String, usize, Option<usize>, bool)> = None;
    let mut exec_phase: Option<Option<usize>> = None;
    let bytes = text.as_bytes();
    let mut i = 0usize;
    let mut line = 1usize;
    let mut counted = 0usize;
    while let Some(off) = memchr::memchr(b'<', bytes.get(i..).unwrap_or(&[])) {
        let at = i + off;
        line += memchr::memchr_iter(b'\n', bytes.get(counted..at).unwrap_or(&[])).count();
        counted = at;
        let rest = text.get(at..).unwrap_or("");
        // Comments, processing instructions, CDATA and declarations are skipped.
        let skip_to = |end: &str| rest.find(end).map(|e| at + e + end.len());
        if rest.starts_with("<!--") {
            i = skip_to("-->").unwrap_or(bytes.len());
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            i = skip_to("]]>").unwrap_or(bytes.len());
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            i = skip_to(">").unwrap_or(bytes.len());
            continue;
        }
        let Some(close) = rest.find('>') else { break };
        let tag = rest.get(1..close).unwrap_or("");
        i = at + close + 1;
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            if stack.last() == Some(&name) {
                stack.pop();
            }
            let path = stack.as_slice();
            match name {
                "execution" if is_plugin(path) => {
                    if let (Some(p), Some(c)) = (exec_phase.take(), cur.as_mut()) {
                        match p {
                            Some(p) => c.2 = Some(c.2.map_or(p, |q: usize| q.min(p))),
                            None => c.3 = true,
                        }
                    }
                }
                "plugin" if is_plugins(path) => {
                    if let Some((artifact, l, ph, unphased)) = cur.take() {
                        let ph = match (ph, unphased) {
                            (Some(p), true) => Some(p.min(DEFAULT_PHASE)),
                            (Some(p), false) => Some(p),
                            (None, true) => Some(DEFAULT_PHASE),
                            (None, false) => None,
                        };
                        if let (Some(phase @ 0..DEFAULT_PHASE_END), false) =
                            (ph, artifact.is_empty())
                        {
                            out.push(Plugin {
                                artifact,
                                phase,
                                file: file.to_string(),
                                line: l,
                            });
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name = tag
            .trim_end_matches('/')
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        if self_closing || name.is_empty() {
            continue;
        }
        let content = || {
            let body = text.get(i..).unwrap_or("");
            body.get(..body.find('<').unwrap_or(body.len()))
                .unwrap_or("")
                .trim()
        };
        let path = stack.as_slice();
        match name {
            "plugin" if is_plugins(path) => cur = Some((String::new(), line, None, false)),
            "artifactId"
                if is_plugins(path.get(..path.len().saturating_sub(1)).unwrap_or(&[]))
                    && path.last() == Some(&"plugin") =>
            {
                if let Some(c) = cur.as_mut() {
                    c.0 = content().to_string();
                }
            }
            "execution" if path.last() == Some(&"executions") && cur.is_some() => {
                exec_phase = Some(None);
            }
            // `<phase>none</phase>` (or any unknown phase) unbinds the execution.
            "phase" if path.last() == Some(&"execution") && cur.is_some() => {
                exec_phase = Some(Some(phase(content()).unwrap_or(usize::MAX)));
            }
            _ => {}
        }
        if stack.len() >= 32 {
            break;
        }
        stack.push(name);
    }
    out
}

/// `project > build > plugins`: the plugins the build runs (not `pluginManagement`,
/// not a profile's).
fn is_plugins(path: &[&str]) -> bool {
    path == ["project", "build", "plugins"]
}

/// Inside one plugin of [`is_plugins`]: `… > plugin > executions`.
fn is_plugin(path: &[&str]) -> bool {
    path.len() == 5 && is_plugins(&path[..3]) && path[3] == "plugin" && path[4] == "executions"
}

#[cfg(test)]
mod tests {
    use super::*;

    const POM: &str = r#"<?xml version="1.0"?>
<project>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <artifactId>maven-pmd-plugin</artifactId>
          <executions><execution><phase>validate</phase></execution></executions>
        </plugin>
      </plugins>
    </pluginManagement>
    <plugins>
      <plugin>
        <artifactId>spring-javaformat-maven-plugin</artifactId>
        <executions>
          <execution>
            <goals><goal>validate</goal></goals>
            <phase>validate</phase>
          </execution>
        </executions>
      </plugin>
      <!-- <plugin><artifactId>commented-plugin</artifactId></plugin> -->
      <plugin>
        <artifactId>maven-checkstyle-plugin</artifactId>
        <dependencies>
          <dependency><artifactId>checkstyle</artifactId></dependency>
        </dependencies>
        <executions>
          <execution><goals><goal>check</goal></goals></execution>
        </executions>
      </plugin>
      <plugin>
        <artifactId>jacoco-maven-plugin</artifactId>
        <executions>
          <execution><goals><goal>prepare-agent</goal></goals></execution>
          <execution><phase>prepare-package</phase></execution>
        </executions>
      </plugin>
      <plugin>
        <artifactId>cyclonedx-maven-plugin</artifactId>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <build><plugins><plugin>
        <artifactId>spotbugs-maven-plugin</artifactId>
        <executions><execution><phase>validate</phase></execution></executions>
      </plugin></plugins></build>
    </profile>
  </profiles>
</project>
"#;

    #[test]
    fn plugins_bound_to_phases() {
        let got: Vec<(String, usize, usize)> = plugins("pom.xml", POM)
            .into_iter()
            .map(|p| (p.artifact, p.phase, p.line))
            .collect();
        assert_eq!(
            got,
            [
                ("spring-javaformat-maven-plugin".to_string(), 0, 13),
                ("maven-checkstyle-plugin".to_string(), DEFAULT_PHASE, 23),
                ("jacoco-maven-plugin".to_string(), 15, 32),
            ]
        );
    }

    #[test]
    fn hostile_poms_end() {
        assert!(plugins("pom.xml", "<project><build><plugins><plugin><artifactId>x").is_empty());
        assert!(plugins("pom.xml", "<<<<>>>></ / <!-- ").is_empty());
        let deep = "<a>".repeat(10_000);
        assert!(plugins("pom.xml", &deep).is_empty());
    }

    #[test]
    fn phases_are_ordered() {
        assert!(phase("validate") < phase("verify"));
        assert_eq!(phase("verify"), Some(DEFAULT_PHASE));
        assert_eq!(phase("spring-boot:run"), None);
    }
}
