//! Reading typical text notices (the corpus in tests/notices/corpus/), one core.
//! Run: `cargo bench -p visanav-core --bench notice`. Figures go in docs/benchmarks.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use visanav_core::knowledge::Knowledge;
use visanav_core::notice::NoticeReader;

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notices/corpus");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("notice"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let k = Knowledge::embedded().expect("knowledge");
    let reader = NoticeReader::new(&k);
    let notices = corpus();
    let mut group = c.benchmark_group("notice");
    group.throughput(Throughput::Elements(notices.len() as u64));
    group.bench_function("read_corpus", |b| {
        b.iter(|| {
            for n in &notices {
                black_box(reader.read(black_box(n), None).expect("reading"));
            }
        })
    });
    group.finish();
    c.bench_function("notice/build_reader", |b| {
        b.iter(|| black_box(NoticeReader::new(black_box(&k))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
