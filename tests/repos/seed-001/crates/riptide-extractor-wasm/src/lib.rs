//! Content extractor compiled to a WASI component.
pub fn extract(html: &str) -> String {
    html.chars().filter(|c| !c.is_control()).collect()
}
