//! The neural role tagger the attribution issue asks to be tried: a small BiLSTM, in pure Rust
//! with candle, over the role tagger's own hashed features, trained from scratch on the PolNeAR
//! train split and measured inside the whole pipeline on dev, alone and beside the perceptron.
//!
//! Each token of a cue's role window is the sum of learned embeddings of its hashed features
//! (the ones the perceptron role tagger reads, without label history), plus a linear term per
//! feature (so the network starts from what the perceptron can express); a BiLSTM over the
//! window adds what a left-to-right tagger with local features cannot see: the whole clause on
//! both sides. The rest of the pipeline (cue tagger, boundary rankers, rules) is the committed
//! model's; only the role labels change. Run from the repository root:
//!
//! ```text
//! cargo run --release --manifest-path experiments/neural-roles/Cargo.toml -- [EPOCHS [SEED [FEATURE_DROPOUT]]]
//! ```
//!
//! It prints, per epoch, token accuracy on the dev gold windows, and every two epochs and at
//! the end the whole pipeline's dev scores for several weights of the perceptron beside the
//! network. The README has the figures: about what the perceptron scores alone, a point of
//! content F1 more together, at twenty times attribution's time. Weights and shuffling come
//! from a seeded generator, but candle's dropout draws from its own, so runs differ slightly.

use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use std::path::Path;
use std::time::Instant;
use text::attribution::{self, RoleInputs};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Hash buckets for the features, as a power of two.
const BITS: u32 = 17;
const BUCKETS: usize = 1 << BITS;
/// Embedding width of a feature, and the LSTM's state per direction.
const EMB: usize = 48;
const HID: usize = 64;
const LABELS: usize = 3;
const BATCH: usize = 32;
/// At most this many padded tokens in a training batch: the feature gather then stays under
/// glibc's largest mmap threshold (32 MB), so its memory is reused rather than faulted in
/// again on every step (page faults took about a third of the time).
const BATCH_TOKENS: usize = 3200;
const DROPOUT: f32 = 0.25;

struct Sample {
    /// Feature buckets of each token, `ids[starts[p]..starts[p + 1]]`.
    ids: Vec<u32>,
    starts: Vec<usize>,
    labels: Vec<u8>,
    /// 0 for the cue's own tokens, which are not labelled.
    scored: Vec<bool>,
}

impl Sample {
    fn new(inputs: &RoleInputs, labels: Vec<u8>) -> Sample {
        let ids = inputs.features.iter().map(|&f| bucket(f)).collect();
        let scored = (0..inputs.window.len())
            .map(|p| inputs.starts[p + 1] > inputs.starts[p])
            .collect();
        Sample {
            ids,
            starts: inputs.starts.clone(),
            labels,
            scored,
        }
    }
    fn len(&self) -> usize {
        self.labels.len()
    }
}

fn bucket(f: u64) -> u32 {
    (f.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BITS)) as u32
}

/// A deterministic generator for initial weights and shuffling.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn uniform(&mut self, scale: f32) -> f32 {
        ((self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
    }
    fn tensor(&mut self, shape: &[usize], scale: f32, dev: &Device) -> Res<Var> {
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| self.uniform(scale)).collect();
        Ok(Var::from_tensor(&Tensor::from_vec(v, shape, dev)?)?)
    }
}

struct Net {
    emb: Var,
    linear: Var,
    emb_bias: Var,
    /// Forward and backward LSTM: input weights, state weights, bias.
    lstm: [(Var, Var, Var); 2],
    out_w: Var,
    out_b: Var,
}

impl Net {
    fn new(rng: &mut Rng, dev: &Device) -> Res<Net> {
        let lstm = |rng: &mut Rng| -> Res<(Var, Var, Var)> {
            let s = 1.0 / (HID as f32).sqrt();
            Ok((
                rng.tensor(&[EMB, 4 * HID], s, dev)?,
                rng.tensor(&[HID, 4 * HID], s, dev)?,
                rng.tensor(&[4 * HID], s, dev)?,
            ))
        };
        Ok(Net {
            emb: rng.tensor(&[BUCKETS + 1, EMB], 0.05, dev)?,
            linear: Var::from_tensor(&Tensor::zeros((BUCKETS + 1, LABELS), DType::F32, dev)?)?,
            emb_bias: Var::from_tensor(&Tensor::zeros(EMB, DType::F32, dev)?)?,
            lstm: [lstm(rng)?, lstm(rng)?],
            out_w: rng.tensor(&[2 * HID, LABELS], 1.0 / (2.0 * HID as f32).sqrt(), dev)?,
            out_b: Var::from_tensor(&Tensor::zeros(LABELS, DType::F32, dev)?)?,
        })
    }

    fn vars(&self) -> Vec<Var> {
        let mut v = vec![
            self.emb.clone(),
            self.linear.clone(),
            self.emb_bias.clone(),
            self.out_w.clone(),
            self.out_b.clone(),
        ];
        for (a, b, c) in &self.lstm {
            v.extend([a.clone(), b.clone(), c.clone()]);
        }
        v
    }

    /// Log-probabilities (batch, time, label) for `batch` padded to its longest window.
    /// With `drop` (training), each feature of each token is left out with that probability
    /// (drawn from `rng`), so the network cannot lean on a few memorized features.
    fn forward(
        &self,
        batch: &[&Sample],
        train: Option<(f32, &mut Rng)>,
        dev: &Device,
    ) -> Res<Tensor> {
        let training = train.is_some();
        let mut drop = train;
        let b = batch.len();
        let t = batch.iter().map(|s| s.len()).max().unwrap_or(1).max(1);
        let k = batch
            .iter()
            .flat_map(|s| s.starts.windows(2).map(|w| w[1] - w[0]))
            .max()
            .unwrap_or(1)
            .max(1);
        let mut ids = vec![BUCKETS as u32; b * t * k];
        let mut fmask = vec![0f32; b * t * k];
        let mut tmask = vec![0f32; b * t];
        for (i, s) in batch.iter().enumerate() {
            for p in 0..s.len() {
                tmask[i * t + p] = 1.0;
                for (q, &id) in s.ids[s.starts[p]..s.starts[p + 1]].iter().enumerate() {
                    if let Some((drop, rng)) = &mut drop {
                        if *drop > 0.0 && rng.uniform(0.5) + 0.5 < *drop {
                            continue;
                        }
                    }
                    ids[(i * t + p) * k + q] = id;
                    fmask[(i * t + p) * k + q] = 1.0;
                }
            }
        }
        let ids = Tensor::from_vec(ids, b * t * k, dev)?;
        let fmask = Tensor::from_vec(fmask, (b * t, k, 1), dev)?;
        let tmask = Tensor::from_vec(tmask, (b, t, 1), dev)?;
        let bag = |table: &Var, width: usize| -> Res<Tensor> {
            Ok(table
                .as_tensor()
                .index_select(&ids, 0)?
                .reshape((b * t, k, width))?
                .broadcast_mul(&fmask)?
                .sum(1)?)
        };
        let linear = bag(&self.linear, LABELS)?.reshape((b, t, LABELS))?;
        let mut x = bag(&self.emb, EMB)?
            .broadcast_add(self.emb_bias.as_tensor())?
            .tanh()?;
        if training {
            x = candle_nn::ops::dropout(&x, DROPOUT)?;
        }
        let mut dirs = Vec::with_capacity(2);
        for (d, (wih, whh, bias)) in self.lstm.iter().enumerate() {
            let xp = x
                .matmul(wih.as_tensor())?
                .broadcast_add(bias.as_tensor())?
                .reshape((b, t, 4 * HID))?;
            dirs.push(lstm(&xp, whh.as_tensor(), &tmask, d == 1, dev)?);
        }
        let mut h = Tensor::cat(&dirs, 2)?.reshape((b * t, 2 * HID))?;
        if training {
            h = candle_nn::ops::dropout(&h, DROPOUT)?;
        }
        let logits = h
            .matmul(self.out_w.as_tensor())?
            .broadcast_add(self.out_b.as_tensor())?
            .reshape((b, t, LABELS))?
            .add(&linear)?;
        Ok(candle_nn::ops::log_softmax(&logits, D::Minus1)?)
    }
}

/// One LSTM direction over `xp` (batch, time, 4 * HID: the input already projected); padded
/// steps (mask 0) leave the state as it was, so the backward direction starts at each
/// window's own end.
fn lstm(xp: &Tensor, whh: &Tensor, mask: &Tensor, reverse: bool, dev: &Device) -> Res<Tensor> {
    let (b, t, _) = xp.dims3()?;
    let mut h = Tensor::zeros((b, HID), DType::F32, dev)?;
    let mut c = Tensor::zeros((b, HID), DType::F32, dev)?;
    let mut outs: Vec<Option<Tensor>> = vec![None; t];
    for step in 0..t {
        let s = if reverse { t - 1 - step } else { step };
        let g = xp.narrow(1, s, 1)?.squeeze(1)?.add(&h.matmul(whh)?)?;
        let sg = candle_nn::ops::sigmoid(&g)?;
        let i = sg.narrow(1, 0, HID)?;
        let f = sg.narrow(1, HID, HID)?;
        let o = sg.narrow(1, 3 * HID, HID)?;
        let gg = g.narrow(1, 2 * HID, HID)?.tanh()?;
        let c_new = f.mul(&c)?.add(&i.mul(&gg)?)?;
        let h_new = o.mul(&c_new.tanh()?)?;
        let m = mask.narrow(1, s, 1)?.squeeze(1)?;
        c = c.add(&c_new.sub(&c)?.broadcast_mul(&m)?)?;
        h = h.add(&h_new.sub(&h)?.broadcast_mul(&m)?)?;
        outs[s] = Some(h.clone());
    }
    let outs: Vec<Tensor> = outs.into_iter().flatten().collect();
    Ok(Tensor::stack(&outs, 1)?)
}

/// Mean negative log-likelihood of the gold labels over the scored tokens.
fn loss(logp: &Tensor, batch: &[&Sample], dev: &Device) -> Res<Tensor> {
    let (b, t, _) = logp.dims3()?;
    let mut onehot = vec![0f32; b * t * LABELS];
    let mut n = 0f32;
    for (i, s) in batch.iter().enumerate() {
        for p in 0..s.len() {
            if s.scored[p] {
                onehot[(i * t + p) * LABELS + s.labels[p] as usize] = 1.0;
                n += 1.0;
            }
        }
    }
    let onehot = Tensor::from_vec(onehot, (b, t, LABELS), dev)?;
    Ok((logp.mul(&onehot)?.sum_all()? * (-1.0 / f64::from(n.max(1.0))))?)
}

/// Batches of windows of similar length (less padding), in a shuffled order.
fn batches(samples: &[Sample], rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..samples.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    // Sort shuffled chunks of about 50 batches by length and cut them into batches of at most
    // BATCH_TOKENS padded tokens, then shuffle the batches.
    let mut out: Vec<Vec<usize>> = Vec::new();
    for chunk in order.chunks(BATCH * 50) {
        let mut c = chunk.to_vec();
        c.sort_by_key(|&i| samples[i].len());
        let mut cur: Vec<usize> = Vec::new();
        for i in c {
            if !cur.is_empty() && (cur.len() + 1) * samples[i].len() > BATCH_TOKENS {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(i);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    for i in (1..out.len()).rev() {
        out.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    out
}

/// Token accuracy and content-token F1 on gold windows.
fn gold_window_scores(net: &Net, samples: &[Sample], dev: &Device) -> Res<(f64, f64)> {
    let (mut right, mut all) = (0usize, 0usize);
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for chunk in samples.chunks(BATCH) {
        let batch: Vec<&Sample> = chunk.iter().collect();
        let logp = net.forward(&batch, None, dev)?;
        let pred = logp.argmax(D::Minus1)?.to_vec2::<u32>()?;
        for (s, p) in batch.iter().zip(pred) {
            for (q, &y) in s.labels.iter().enumerate() {
                if !s.scored[q] {
                    continue;
                }
                let g = p[q] as u8;
                all += 1;
                right += usize::from(g == y);
                tp += usize::from(g == 2 && y == 2);
                fp += usize::from(g == 2 && y != 2);
                fn_ += usize::from(g != 2 && y == 2);
            }
        }
    }
    let f1 = 2.0 * tp as f64 / (2 * tp + fp + fn_).max(1) as f64;
    Ok((right as f64 / all.max(1) as f64, f1))
}

fn load(polnear: &Path, split: &str) -> Res<(Vec<eval::polnear::Article>, Vec<Sample>)> {
    let articles = eval::polnear::load_split(polnear, split)?;
    let prep = eval::attribution::training_preprocessor()?;
    let mut samples = Vec::new();
    for a in &articles {
        let doc = prep.analyze(&a.text, None);
        for (inputs, labels) in attribution::gold_role_inputs(&doc, &a.attributions) {
            samples.push(Sample::new(&inputs, labels));
        }
    }
    Ok((articles, samples))
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let epochs: usize = args.first().map_or(Ok(8), |s| s.parse())?;
    let seed: u64 = args.get(1).map_or(Ok(1), |s| s.parse())?;
    let feature_dropout: f32 = args.get(2).map_or(Ok(0.0), |s| s.parse())?;
    let polnear = Path::new("../shared/data/polnear");
    let dev = Device::Cpu;
    let t0 = Instant::now();
    let (_, train) = load(polnear, "train")?;
    let (dev_articles, dev_samples) = load(polnear, "dev")?;
    println!(
        "{} train windows, {} dev windows, loaded in {:.0} s",
        train.len(),
        dev_samples.len(),
        t0.elapsed().as_secs_f64()
    );
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
    let pipeline = (
        attribution::Model::embedded()?,
        text::syntax::Syntax::embedded()?,
    );
    let net = Net::new(&mut rng, &dev)?;
    let mut drop_rng = Rng(rng.next() | 1);
    let mut opt = AdamW::new(
        net.vars(),
        ParamsAdamW {
            lr: 2e-3,
            weight_decay: 0.0,
            ..Default::default()
        },
    )?;
    for epoch in 0..epochs {
        if epoch + 2 >= epochs && epochs > 2 {
            opt.set_learning_rate(opt.learning_rate() / 2.0);
        }
        let t = Instant::now();
        let mut total = 0.0;
        let order = batches(&train, &mut rng);
        for ids in &order {
            let batch: Vec<&Sample> = ids.iter().map(|&i| &train[i]).collect();
            let logp = net.forward(&batch, Some((feature_dropout, &mut drop_rng)), &dev)?;
            let l = loss(&logp, &batch, &dev)?;
            total += l.to_scalar::<f32>()?;
            opt.backward_step(&l)?;
        }
        let (acc, f1) = gold_window_scores(&net, &dev_samples, &dev)?;
        println!(
            "epoch {}: loss {:.4}, dev gold-window token accuracy {:.2}%, content-token F1 {:.2}% ({:.0} s)",
            epoch + 1,
            total / order.len() as f32,
            100.0 * acc,
            100.0 * f1,
            t.elapsed().as_secs_f64()
        );

        if (epoch + 1) % 2 == 0 || epoch + 1 == epochs {
            pipeline_scores(&net, &pipeline, &dev_articles, &dev, &[0.0, 0.03])?;
        }
    }
    pipeline_scores(
        &net,
        &pipeline,
        &dev_articles,
        &dev,
        &[0.01, 0.02, 0.05, 0.1, 1e6],
    )?;
    Ok(())
}

/// The whole pipeline on dev: the committed model's cues, bounds and rules, with the role
/// labels from the network alone (weight 0) or from both models.
fn pipeline_scores(
    net: &Net,
    (model, parser): &(attribution::Model, text::syntax::Syntax),
    dev_articles: &[eval::polnear::Article],
    dev: &Device,
    weights: &[f32],
) -> Res<()> {
    for &weight in weights {
        let t = Instant::now();
        let mut secs = 0.0;
        let scores = eval::attribution::score_by(
            dev_articles,
            |doc| {
                let s = Instant::now();
                let mut scorer = |windows: &[RoleInputs]| -> Vec<Vec<[f32; 3]>> {
                    score_windows(net, windows, dev).unwrap_or_else(|e| {
                        eprintln!("scoring failed: {e}");
                        Vec::new()
                    })
                };
                let out = model.analyze_with_role_scorer(doc, Some(parser), &mut scorer, weight);
                secs += s.elapsed().as_secs_f64();
                out
            },
            false,
        )?;
        let r = eval::attribution::report(
            &format!(
                "perceptron weight {weight}: dev ({:.1} ms/article in attribution, {:.0} s)",
                1000.0 * secs / dev_articles.len() as f64,
                t.elapsed().as_secs_f64()
            ),
            &scores,
        );
        println!("{r}");
    }
    Ok(())
}

fn score_windows(net: &Net, windows: &[RoleInputs], dev: &Device) -> Res<Vec<Vec<[f32; 3]>>> {
    let samples: Vec<Sample> = windows
        .iter()
        .map(|w| Sample::new(w, vec![0; w.window.len()]))
        .collect();
    let mut out = Vec::with_capacity(samples.len());
    for chunk in samples.chunks(BATCH) {
        let batch: Vec<&Sample> = chunk.iter().collect();
        let logp = net.forward(&batch, None, dev)?.to_vec3::<f32>()?;
        for (s, rows) in batch.iter().zip(logp) {
            out.push(
                rows.into_iter()
                    .take(s.len())
                    .map(|r| [r[0], r[1], r[2]])
                    .collect(),
            );
        }
    }
    Ok(out)
}
