//! The document: one source of truth for the text and every annotation layer over it.
//!
//! Offsets inside a [`Doc`] are byte offsets into `Doc::text` (cheap to slice); the JSON view in
//! [`crate::output`] turns them into Unicode code-point offsets, as the output contract requires.
//! A layer that a pipeline has not run is `None`; a layer that ran and found nothing is
//! `Some(vec![])`: unset differs from empty.

use chrono::NaiveDate;
use serde::Serialize;

/// A half-open byte range `[start, end)` into the document text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// What a token looks like; decided by the tokenizer from its characters alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Word,
    Number,
    Punct,
    /// An opening or closing quotation mark of any style (straight, curly, angle).
    Quote,
    /// Em dash, en dash, or a run of hyphens used as a dash.
    Dash,
    Url,
    Email,
    /// A social-media handle such as `@rvvoenkor_bot`.
    Handle,
    Hashtag,
    Symbol,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
    /// White space (or the start of the text) precedes this token.
    pub space_before: bool,
    /// A line break lies between the previous token and this one.
    pub newline_before: bool,
}

impl Token {
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }
}

/// A sentence: a byte span and the range of its tokens in `Doc::tokens`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    pub span: Span,
    pub tokens: std::ops::Range<usize>,
    /// Index of the paragraph (block of text between blank lines or line breaks).
    pub paragraph: usize,
}

/// Universal Dependencies part-of-speech tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Upos {
    ADJ,
    ADP,
    ADV,
    AUX,
    CCONJ,
    DET,
    INTJ,
    NOUN,
    NUM,
    PART,
    PRON,
    PROPN,
    PUNCT,
    SCONJ,
    SYM,
    VERB,
    X,
}

impl Upos {
    pub const ALL: [Upos; 17] = [
        Upos::ADJ,
        Upos::ADP,
        Upos::ADV,
        Upos::AUX,
        Upos::CCONJ,
        Upos::DET,
        Upos::INTJ,
        Upos::NOUN,
        Upos::NUM,
        Upos::PART,
        Upos::PRON,
        Upos::PROPN,
        Upos::PUNCT,
        Upos::SCONJ,
        Upos::SYM,
        Upos::VERB,
        Upos::X,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Upos::ADJ => "ADJ",
            Upos::ADP => "ADP",
            Upos::ADV => "ADV",
            Upos::AUX => "AUX",
            Upos::CCONJ => "CCONJ",
            Upos::DET => "DET",
            Upos::INTJ => "INTJ",
            Upos::NOUN => "NOUN",
            Upos::NUM => "NUM",
            Upos::PART => "PART",
            Upos::PRON => "PRON",
            Upos::PROPN => "PROPN",
            Upos::PUNCT => "PUNCT",
            Upos::SCONJ => "SCONJ",
            Upos::SYM => "SYM",
            Upos::VERB => "VERB",
            Upos::X => "X",
        }
    }
    pub fn parse(s: &str) -> Option<Upos> {
        Upos::ALL.iter().copied().find(|u| u.as_str() == s)
    }
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Entity types. The set follows OntoNotes where it can, plus ACCOUNT for social-media handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntityType {
    Person,
    Org,
    /// Countries, cities, states: places with a government.
    Gpe,
    /// Places without one: regions, mountains, seas, fronts.
    Loc,
    /// Nationalities, religious and political groups ("North Korean", "pro-Russia").
    Norp,
    /// Buildings, airports, roads, bridges.
    Fac,
    /// Social-media handles and channel links.
    Account,
    /// Named ships, aircraft and other vehicles.
    Vessel,
    Event,
    Product,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Person => "PERSON",
            EntityType::Org => "ORG",
            EntityType::Gpe => "GPE",
            EntityType::Loc => "LOC",
            EntityType::Norp => "NORP",
            EntityType::Fac => "FAC",
            EntityType::Account => "ACCOUNT",
            EntityType::Vessel => "VESSEL",
            EntityType::Event => "EVENT",
            EntityType::Product => "PRODUCT",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    pub span: Span,
    pub label: EntityType,
    /// ISO 3166-1 alpha-2 code of the country the entity is in or belongs to, when stated or implied.
    pub country: Option<String>,
}

/// TIMEX3 types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeType {
    Date,
    Time,
    Duration,
    Set,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimeExpr {
    pub span: Span,
    pub kind: TimeType,
    /// TIMEX3-style value: `2024-10-21`, `2024-10`, `2024-W43`, `2010`, `P1M`, `PAST_REF`, ...
    pub value: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    pub span: Span,
    /// The number; for a range or a vague number ("hundreds") the low end, with both ends in
    /// `low` and `high`. A bound sets one of them ("more than 500": `low`; "up to 500": `high`).
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub approximate: bool,
    /// The approximator or bound as written ("about", "more than", "up to").
    pub qualifier: Option<String>,
    /// The counted thing ("special forces"), possibly taken from an earlier quantity when elided.
    pub unit: Option<String>,
    /// Where the unit is written, when it is written next to the number.
    pub unit_span: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoilerplateKind {
    Syndication,
    Promotion,
    Newsletter,
    PhotoCredit,
    Copyright,
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Boilerplate {
    pub span: Span,
    pub kind: BoilerplateKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    /// A wire service named as the origin: "(Reuters) -", "AFP", "Yonhap news agency reported".
    Wire,
    /// The publisher says the story came from a feed it did not edit.
    Syndication,
    Byline,
    Photo,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Credit {
    pub span: Span,
    pub kind: CreditKind,
    /// Canonical name of the credited agency or person, when one is named.
    pub name: Option<String>,
}

/// How the content is reported: in the speaker's words, paraphrased, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionKind {
    /// Every content word lies inside quotation marks.
    Direct,
    /// No content word does.
    #[default]
    Indirect,
    /// Some do: a paraphrase with quoted fragments.
    Mixed,
}

/// What sort of speaker a source is, decided from its head words and entities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerKind {
    Person,
    Government,
    GovernmentOfficial,
    IntelligenceAgency,
    Military,
    Diplomat,
    Embassy,
    StateMedia,
    NewsAgency,
    Newspaper,
    SocialMediaAccount,
    InternationalOrganization,
    Company,
    Ngo,
    Investigators,
    /// A country speaking as a whole ("the North still denies ...").
    State,
    #[default]
    Unknown,
}

/// Who really speaks in an attribution, after resolving pronouns, definite descriptions and
/// surnames to an earlier mention.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Speaker {
    /// Canonical name: the named entity when one is given ("Georgy Zinoviev", "Yonhap"), else
    /// the description without its article ("South Korean unification ministry official").
    pub name: String,
    pub kind: SpeakerKind,
    /// Role or title when stated ("Russian Ambassador to South Korea").
    pub role: Option<String>,
    /// ISO 3166-1 alpha-2 code, when stated or implied.
    pub country: Option<String>,
    /// Unnamed on purpose: "on condition of anonymity", "officials said" with nobody named.
    pub anonymous: bool,
    /// The mention that names the speaker, when it is not the source itself ("a blogger named
    /// @rvvoenkor_bot" for "The blogger").
    pub antecedent: Option<Span>,
}

/// The medium a statement was made through: "in a Facebook post", "on Telegram", "in a
/// statement", "told reporters".
#[derive(Clone, Debug, PartialEq)]
pub struct Channel {
    pub span: Span,
    /// The medium without preposition and article ("Facebook post").
    pub name: String,
}

/// An attributed statement: who (source) said (cue) what (content). Filled by the attribution stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribution {
    pub source: Option<Span>,
    pub cue: Span,
    /// Content may be discontinuous: "The plan, he said, will fail".
    pub content: Vec<Span>,
    pub kind: AttributionKind,
    /// `None` when there is no source or the stage that resolves speakers did not run.
    pub speaker: Option<Speaker>,
    /// Whom the statement was made to ("told First Vice Foreign Minister Kim Hong-kyun").
    pub addressee: Option<Span>,
    pub channel: Option<Channel>,
    /// Index (in the same list) of the attribution through which this one reached the
    /// article: "X reported that Y said Z" nests Y's attribution in X's.
    pub nested_in: Option<usize>,
}

impl Attribution {
    /// An attribution with spans only: indirect, no speaker, addressee, channel or nesting.
    pub fn new(source: Option<Span>, cue: Span, content: Vec<Span>) -> Attribution {
        Attribution {
            source,
            cue,
            content,
            kind: AttributionKind::Indirect,
            speaker: None,
            addressee: None,
            channel: None,
            nested_in: None,
        }
    }
}

/// The analysed document.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub text: String,
    pub published: Option<NaiveDate>,
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
    pub tags: Option<Vec<Upos>>,
    pub lemmas: Option<Vec<String>>,
    /// Dependency arcs, one per token: the head is a token index into this document (never
    /// across sentences), `None` for a sentence's root.
    pub deps: Option<Vec<crate::parse::Arc>>,
    pub entities: Option<Vec<Entity>>,
    pub times: Option<Vec<TimeExpr>>,
    pub quantities: Option<Vec<Quantity>>,
    pub boilerplate: Option<Vec<Boilerplate>>,
    pub credits: Option<Vec<Credit>>,
    pub attributions: Option<Vec<Attribution>>,
}

impl Doc {
    /// A document with text and publication date and no layers yet.
    pub fn new(text: impl Into<String>, published: Option<NaiveDate>) -> Doc {
        Doc {
            text: text.into(),
            published,
            ..Doc::default()
        }
    }
    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.start..span.end]
    }
    pub fn token_text(&self, i: usize) -> &str {
        let t = &self.tokens[i];
        &self.text[t.start..t.end]
    }
    /// Index of the first token whose end lies after `byte`, i.e. the token containing or
    /// following that offset.
    pub fn token_at(&self, byte: usize) -> usize {
        self.tokens.partition_point(|t| t.end <= byte)
    }
    /// Whether `span` lies inside publisher boilerplate (later stages skip it).
    pub fn in_boilerplate(&self, span: Span) -> bool {
        self.boilerplate
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .any(|b| b.span.overlaps(&span))
    }
}
