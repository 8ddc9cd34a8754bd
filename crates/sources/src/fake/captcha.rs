//! The fake BotDetect captcha: a 200×50 grayscale PNG (the size of CEAC's captchas and of
//! the peers' OCR model input, reference §1.7) showing a 5–6 character code from 0-9A-Z.
//!
//! The code is drawn with a plain 5×7 bitmap font, large and dark on a lightly speckled
//! background, so a person can read it in the browser (the "manual" captcha strategy shows
//! this very image). It is also hidden in a `tEXt` chunk ([`CODE_KEYWORD`]) so tests can
//! solve it without OCR.

use super::{png, random};

/// The `tEXt` keyword under which the image carries its own code.
pub const CODE_KEYWORD: &str = "visanav-fake-code";

pub const WIDTH: u32 = 200;
pub const HEIGHT: u32 = 50;

/// The characters CEAC's captchas use (reference §1.7: the CTC model's charset).
const CHARSET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Glyph size in font pixels and the scale at which it is drawn (20×28 image pixels).
const GLYPH_W: usize = 5;
const GLYPH_H: usize = 7;
const SCALE: usize = 4;
/// Horizontal distance between glyph origins.
const ADVANCE: usize = 28;

/// A new code: 5 or 6 characters.
pub fn new_code() -> String {
    let len = random::between(5, 6) as usize;
    random::string_from(CHARSET, len)
}

/// The captcha image for `code`, with the code in its `tEXt` chunk.
pub fn image(code: &str) -> Vec<u8> {
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let noise = random::bytes(w * h);
    // A light background with faint speckles: clearly a picture, still easy to read.
    let mut pixels: Vec<u8> = noise
        .iter()
        .map(|&n| if n < 20 { 200 } else { 240 })
        .collect();
    draw_lines(&mut pixels);
    let chars: Vec<char> = code.chars().take(7).collect();
    let text_width = chars.len() * ADVANCE - (ADVANCE - GLYPH_W * SCALE);
    let mut x = w.saturating_sub(text_width) / 2;
    for c in chars {
        let y = 6 + random::between(0, 10) as usize;
        let ink = 20 + random::between(0, 60) as u8;
        draw_glyph(&mut pixels, c, x, y, ink);
        x += ADVANCE;
    }
    png::encode_gray(WIDTH, HEIGHT, &pixels, &[(CODE_KEYWORD, code)])
}

/// Two thin mid-gray lines across the image, as captchas have.
fn draw_lines(pixels: &mut [u8]) {
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    for _ in 0..2 {
        let y0 = random::between(5, 44) as i64;
        let y1 = random::between(5, 44) as i64;
        for x in 0..w {
            let y = y0 + (y1 - y0) * x as i64 / (w as i64 - 1);
            if let Some(p) = usize::try_from(y).ok().filter(|&y| y < h) {
                pixels[p * w + x] = 170;
            }
        }
    }
}

fn draw_glyph(pixels: &mut [u8], c: char, x0: usize, y0: usize, ink: u8) {
    let w = WIDTH as usize;
    let Some(rows) = glyph(c) else { return };
    for (row, bits) in rows.iter().enumerate() {
        for col in 0..GLYPH_W {
            if bits & (1 << (GLYPH_W - 1 - col)) == 0 {
                continue;
            }
            for dy in 0..SCALE {
                for dx in 0..SCALE {
                    let (x, y) = (x0 + col * SCALE + dx, y0 + row * SCALE + dy);
                    if x < w && y < HEIGHT as usize {
                        pixels[y * w + x] = ink;
                    }
                }
            }
        }
    }
}

/// The 5×7 bitmap of a character: seven rows, the five low bits of each (left = high bit).
/// Zero has a diagonal so it cannot be taken for the letter O.
fn glyph(c: char) -> Option<[u8; GLYPH_H]> {
    Some(match c.to_ascii_uppercase() {
        '0' => [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
        '1' => [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
        '2' => [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
        '3' => [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
        '4' => [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
        '5' => [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
        '6' => [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
        '7' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
        '9' => [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
        'A' => [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'B' => [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
        'C' => [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
        'D' => [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
        'E' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
        'F' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
        'G' => [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
        'H' => [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'I' => [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
        'M' => [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'P' => [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
        'Q' => [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
        'R' => [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
        'S' => [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
        'T' => [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
        'X' => [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
        'Z' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_five_or_six_of_the_charset() {
        for _ in 0..50 {
            let code = new_code();
            assert!((5..=6).contains(&code.len()), "{code}");
            assert!(code.bytes().all(|b| CHARSET.contains(&b)), "{code}");
        }
    }

    #[test]
    fn every_character_has_a_distinct_glyph() {
        let glyphs: Vec<_> = CHARSET.iter().map(|&b| glyph(char::from(b))).collect();
        assert!(glyphs.iter().all(Option::is_some));
        for (i, a) in glyphs.iter().enumerate() {
            assert!(
                !glyphs[i + 1..].contains(a),
                "{} repeats",
                CHARSET[i] as char
            );
        }
    }

    /// Reads the image back (the IDAT of stored blocks is the raw scanlines) and checks
    /// that the code is really drawn: dark pixels where glyphs are, none in the margins.
    #[test]
    fn the_code_is_drawn_in_dark_ink_and_hidden_in_the_text_chunk() {
        let png_bytes = image("W0RD42");
        assert_eq!(
            png::read_text(&png_bytes, CODE_KEYWORD).as_deref(),
            Some("W0RD42")
        );
        let chunks = png::chunks(&png_bytes).expect("valid png");
        let idat = chunks
            .iter()
            .find(|(k, _)| k == b"IDAT")
            .map(|(_, d)| *d)
            .expect("IDAT");
        // One stored block: 2-byte zlib header, 5-byte block header, data, 4-byte Adler.
        let raw = &idat[7..idat.len() - 4];
        let (w, h) = (WIDTH as usize, HEIGHT as usize);
        assert_eq!(raw.len(), (w + 1) * h);
        let dark_columns: Vec<usize> = (0..w)
            .filter(|&x| (0..h).any(|y| raw[y * (w + 1) + 1 + x] < 100))
            .collect();
        // Six glyphs of 20 columns each (some glyph columns are blank, e.g. in "1").
        assert!(dark_columns.len() >= 6 * 12, "{}", dark_columns.len());
        assert!(dark_columns.iter().all(|&x| (16..184).contains(&x)));
    }
}
