//! Runs the attribution commands without the `claimtrail` binary (which pulls in the server and
//! store crates), for quicker experiments. Run from the repository root:
//!
//! ```text
//! cargo run -p eval --example attribution -- train [OUT] [EPOCHS] [SEED] | eval [SPLIT] [MODEL]
//! ```
//!
//! `train` writes `crates/text/models/attribution.bin` unless OUT is given and prints dev
//! scores; another SEED shuffles the training articles differently (the seed is made odd, so 2
//! and 3 are the same), which shows how much of a change in the scores is noise. `eval` scores
//! the embedded model, or the model file MODEL. With `CLAIMTRAIL_ATTR_DUMP=FILE`, `eval` also
//! writes each article's gold and system roles as JSON lines for error analysis.

use std::path::Path;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let polnear = Path::new("../shared/data/polnear");
    let result = match args.first().map(String::as_str) {
        Some("train") => {
            let out = args
                .get(1)
                .map_or("crates/text/models/attribution.bin", String::as_str);
            let mut config = text::attribution::TrainConfig::default();
            if let Some(e) = args.get(2) {
                match e.parse::<usize>() {
                    Ok(n) => {
                        config.cue_epochs = n;
                        config.role_epochs = n;
                    }
                    Err(_) => {
                        eprintln!("EPOCHS must be a number, not {e:?}");
                        return std::process::ExitCode::from(2);
                    }
                }
            }
            if let Some(s) = args.get(3) {
                match s.parse::<u64>() {
                    Ok(n) => config.seed = n,
                    Err(_) => {
                        eprintln!("SEED must be a number, not {s:?}");
                        return std::process::ExitCode::from(2);
                    }
                }
            }
            eval::attribution::train_with(polnear, Path::new(out), config)
        }
        Some("eval") => {
            let split = args.get(1).map_or("dev", String::as_str);
            match args.get(2) {
                Some(m) => eval::attribution::evaluate_file(Path::new(m), polnear, split),
                None => eval::attribution::evaluate(polnear, split),
            }
        }
        _ => {
            eprintln!("usage: attribution train [OUT] [EPOCHS] [SEED] | eval [SPLIT] [MODEL]");
            return std::process::ExitCode::from(2);
        }
    };
    match result {
        Ok(report) => {
            println!("{report}");
            // Unrounded, for setting the floors of the dev test.
            for (name, value) in &report.metrics {
                println!("{name} = {value:.3}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
