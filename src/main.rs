//! The `timonel` binary: parse arguments, run, map the outcome to an exit code (CONTRACT §4).

use clap::Parser;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("timonel: internal error (exit 4): {info}");
        eprintln!(
            "This is a bug in timonel. Please report it with the scenario and the seed printed above."
        );
    }));
    let cli = match timonel::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match std::panic::catch_unwind(|| timonel::cli::run(cli)) {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            match &e {
                timonel::cli::CliError::ExpectationsFailed(_) => eprintln!("timonel: {e}"),
                timonel::cli::CliError::Internal(_) => eprintln!(
                    "timonel: {e}\nThis is a bug in timonel. Please report it with the scenario and seed."
                ),
                _ => eprintln!("error: {e}"),
            }
            e.exit_code()
        }
        Err(_) => 4,
    };
    std::process::exit(code);
}
