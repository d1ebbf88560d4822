//! `inspect` for a film manifest: its figures (see `director::summary`). Problems are
//! `check`'s job; a manifest with any is refused here with the first and a pointer there.

use std::path::Path;

use livingfilm_cli::summary::{summarize, FilmSummary};

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// "1 variant", "7 variants".
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn print_table(s: &FilmSummary) {
    println!("file       {}", s.manifest.display());
    println!("kind       film manifest");
    println!("film       {} ({})", s.title, s.id);
    println!(
        "picture    {}x{} at {} fps; mix at {} Hz",
        s.width, s.height, s.fps, s.sample_rate
    );
    println!(
        "segments   {} ({}, {}, {})",
        s.segments.len(),
        count(s.variants, "variant"),
        count(s.placement_slots, "placement slot"),
        count(s.assets, "asset file")
    );
    println!("decisions  {}", list(&s.decision_points));
    println!("branches   {}", list(&s.branch_points));
    println!("endings    {}", list(&s.endings));
    println!(
        "length     {:.1} s shortest, {:.1} s the director's cut, {:.1} s longest{}",
        s.shortest_s,
        s.directors_cut_s,
        s.longest_s,
        if s.loops {
            " at most (branches loop; each segment counted at its max_visits)"
        } else {
            ""
        }
    );
    println!();
    println!("segment          variants  length s      next");
    for g in &s.segments {
        let flag = match (g.protected, g.challenge) {
            (true, _) => " (protected)",
            (_, true) => " (challenge)",
            _ => "",
        };
        println!(
            "{:<16} {:>8}  {:>5.1}..{:<5.1}  {}{flag}",
            g.id,
            g.variants.len(),
            g.length_s[0],
            g.length_s[1],
            if g.next.is_empty() {
                "(ending)".to_owned()
            } else {
                g.next.join(", ")
            }
        );
    }
}

pub fn film(file: &Path, json: bool) -> anyhow::Result<()> {
    let s = summarize(file).map_err(|e| {
        anyhow::anyhow!(
            "{e} (`livingfilm check {}` lists every problem)",
            file.display()
        )
    })?;
    if json {
        super::print_json(&s)
    } else {
        print_table(&s);
        Ok(())
    }
}
