//! `livingfilm consent` and `livingfilm collect`: the viewer's side and the film
//! makers' side of instructional metadata.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use livingfilm_cli::collector::{serve, Collector};
use livingfilm_uplink::consent::{default_data_dir, ConsentStore, DISCLOSURE};

/// What to do with consent.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ConsentAction {
    /// Print the disclosure and the stored choice.
    Show,
    /// Agree to sending anonymised tension deltas.
    Grant,
    /// Withdraw: sending stops and the local queue is deleted.
    Revoke,
}

/// Show the plain-language disclosure, or grant or revoke consent to sending
/// anonymised tension deltas. Stored per profile (the data folder); off by default.
///
/// Examples:
///   livingfilm consent show
///   livingfilm consent grant --data-dir ~/.local/share/livingfilm
///   livingfilm consent revoke
#[derive(clap::Args)]
pub struct ConsentArgs {
    /// show, grant or revoke.
    #[arg(value_enum, default_value = "show")]
    action: ConsentAction,
    /// The viewer profile's data folder.
    #[arg(long, value_name = "DIR", env = "LIVINGFILM_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

pub fn consent(a: ConsentArgs) -> anyhow::Result<()> {
    let dir = a.data_dir.unwrap_or_else(default_data_dir);
    let store = ConsentStore::new(&dir);
    match a.action {
        ConsentAction::Show => {
            println!("{DISCLOSURE}\n");
            let c = store.load()?;
            println!(
                "Your choice ({}): {}",
                dir.display(),
                if c.granted {
                    "you agreed to send anonymised tension deltas"
                } else {
                    "nothing is sent (not agreed)"
                }
            );
        }
        ConsentAction::Grant => {
            store.grant()?;
            println!("Agreed: anonymised, noised tension deltas may be sent after each viewing.");
            println!("Withdraw at any time with `livingfilm consent revoke`.");
        }
        ConsentAction::Revoke => {
            store.revoke()?;
            println!("Withdrawn: nothing more is sent, and the local queue was deleted.");
        }
    }
    Ok(())
}

/// Receive instructional metadata from players (HTTP POST of JSON batches; put a TLS
/// proxy in front for https), keep each record once, and keep `population.json` and
/// `population.png` in the folder up to date: per segment, the de-biased mean of
/// (viewer tension − director's target) with its 95 % interval. With --summary, only
/// write those from the records already collected and print them.
///
/// Examples:
///   livingfilm collect --listen 127.0.0.1:8787 --dir collected/
///   livingfilm collect --dir collected/ --summary
#[derive(clap::Args)]
pub struct CollectArgs {
    /// Folder for records.jsonl and the population outputs.
    #[arg(long, value_name = "DIR", default_value = "collected")]
    dir: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    listen: String,
    /// Write the outputs from what is stored and exit.
    #[arg(long)]
    summary: bool,
}

pub fn collect(a: CollectArgs) -> anyhow::Result<()> {
    let collector = Collector::open(&a.dir)?;
    if a.summary {
        let curves = collector.write_outputs()?;
        println!(
            "{:<24} {:>7} {:>10} {:>20}",
            "segment", "reports", "delta %", "95 % interval"
        );
        for c in curves {
            println!(
                "{:<24} {:>7} {:>+10.1} {:>9.1} .. {:>+7.1}",
                c.segment, c.estimate.n, c.estimate.mean_pct, c.ci95_pct[0], c.ci95_pct[1]
            );
        }
        println!("written: {}", a.dir.join("population.json").display());
        return Ok(());
    }
    let listener = std::net::TcpListener::bind(&a.listen)
        .with_context(|| format!("cannot listen on {}", a.listen))?;
    eprintln!(
        "collecting at http://{}/ into {} ({} records so far); Ctrl-C to stop",
        listener.local_addr()?,
        a.dir.display(),
        collector.records().len()
    );
    let stop = Arc::new(AtomicBool::new(false));
    serve(listener, collector, || stop.load(Ordering::Relaxed))?;
    Ok(())
}
