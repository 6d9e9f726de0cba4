//! Prints the attributions `text::Pipeline` finds in one text file, as the JSON of
//! `claimtrail analyze` would show them, for looking at the attribution layer without
//! building the binary: `cargo run -p text --example attributions -- FILE [YYYY-MM-DD]`.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: attributions FILE [YYYY-MM-DD]")?;
    let published = args
        .next()
        .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let text = std::fs::read_to_string(&path)?;
    let pipeline = text::Pipeline::new()?;
    let doc = pipeline.analyze(&text, published);
    let out = text::output::analysis(&doc, None, Default::default());
    println!("{}", serde_json::to_string_pretty(&out.attributions)?);
    Ok(())
}
