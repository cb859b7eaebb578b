#[tokio::main]
async fn main() {
    tracing::info!("riptide-headless starting on :9123");
}
