fn main() {
    // criterion benchmarks of the extraction pipeline
}
