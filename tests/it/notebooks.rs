//! The analysis notebooks of `notebooks/`, executed by `notebooks/run.sh`. They need Python and
//! the packages of `notebooks/requirements.txt`, which the two-command set-up does not install,
//! so the test is ignored by default: `cargo test -- --ignored notebooks`.

use std::process::Command;

use crate::support::root;

#[test]
#[ignore = "needs Python with notebooks/requirements.txt: cargo test -- --ignored notebooks"]
fn notebooks_execute() {
    let status = Command::new(root().join("notebooks").join("run.sh"))
        .env("TIMONEL", env!("CARGO_BIN_EXE_timonel"))
        .status()
        .expect("run notebooks/run.sh");
    assert!(status.success(), "notebooks/run.sh: {status}");
    for name in ["rollout_strategies", "nines"] {
        let path = root().join("notebooks").join(format!("{name}.ipynb"));
        let notebook: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("executed notebook")).unwrap();
        let code: Vec<&serde_json::Value> = notebook["cells"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["cell_type"] == "code")
            .collect();
        assert!(code.len() >= 5, "{name}: {} code cells", code.len());
        for cell in code {
            assert!(
                cell["execution_count"].is_u64(),
                "{name}: a cell did not run"
            );
            for output in cell["outputs"].as_array().unwrap() {
                assert_ne!(output["output_type"], "error", "{name}: {output}");
            }
        }
    }
}
