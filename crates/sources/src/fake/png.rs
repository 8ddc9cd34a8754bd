//! A minimal PNG encoder and reader for the fake captcha (PNG spec, W3C 2003: signature,
//! IHDR, tEXt, IDAT, IEND; zlib RFC 1950 with stored deflate blocks, RFC 1951 §3.2.4).
//!
//! Only 8-bit grayscale, uncompressed: the images are 10 kB, and a crate would be more code
//! to trust than these few lines. The fake hides the captcha code in a `tEXt` chunk so a
//! test's "captcha command" can solve it without OCR ([`read_text`]).

/// The eight bytes every PNG starts with.
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// CRC-32 (ISO 3309, the one PNG uses) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// Adler-32 (RFC 1950 §8), the zlib stream's checksum.
pub fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % MOD;
        b = (b + a) % MOD;
    }
    (b << 16) | a
}

/// A zlib stream holding `data` in stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 65_535;
    // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (no dictionary, fastest; 0x7801 % 31 == 0).
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(MAX_BLOCK).peekable();
    if blocks.peek().is_none() {
        // An empty stream still needs one final block.
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = blocks.peek().is_none();
        // BFINAL and BTYPE=00; a stored block's header ends on a byte boundary.
        out.push(u8::from(last));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// Appends one chunk: length, type, data, CRC of type and data.
fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let crc_start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[crc_start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// Encodes an 8-bit grayscale image (`pixels` row by row, `width * height` bytes) with
/// `tEXt` chunks (keyword, Latin-1 text; keywords are 1–79 characters, no NUL).
pub fn encode_gray(width: u32, height: u32, pixels: &[u8], texts: &[(&str, &str)]) -> Vec<u8> {
    let w = width as usize;
    let mut out = SIGNATURE.to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 0 (grayscale), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    push_chunk(&mut out, b"IHDR", &ihdr);
    for (keyword, text) in texts {
        let mut data = keyword.as_bytes().to_vec();
        data.push(0);
        data.extend_from_slice(text.as_bytes());
        push_chunk(&mut out, b"tEXt", &data);
    }
    // Each scanline starts with its filter type: 0, none.
    let mut raw = Vec::with_capacity((w + 1) * height as usize);
    for row in pixels.chunks(w.max(1)).take(height as usize) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    push_chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    push_chunk(&mut out, b"IEND", &[]);
    out
}

/// The chunks of a PNG as (type, data), in order; `None` when the signature, a length or
/// a CRC is wrong.
pub fn chunks(png: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut rest = png.strip_prefix(&SIGNATURE[..])?;
    let mut found = Vec::new();
    while !rest.is_empty() {
        let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let kind: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
        let data = rest.get(8..8 + len)?;
        let crc = u32::from_be_bytes(rest.get(8 + len..12 + len)?.try_into().ok()?);
        if crc32(&rest[4..8 + len]) != crc {
            return None;
        }
        found.push((kind, data));
        rest = &rest[12 + len..];
    }
    Some(found)
}

/// The text of the first `tEXt` chunk with this keyword.
pub fn read_text(png: &[u8], keyword: &str) -> Option<String> {
    chunks(png)?
        .into_iter()
        .filter(|(kind, _)| kind == b"tEXt")
        .find_map(|(_, data)| {
            let nul = data.iter().position(|&b| b == 0)?;
            (&data[..nul] == keyword.as_bytes())
                .then(|| data[nul + 1..].iter().map(|&b| char::from(b)).collect())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        // The CRC every PNG's IEND chunk carries, and the classic check values.
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(b""), 1);
    }

    #[test]
    fn stored_blocks_split_at_64k_and_carry_their_lengths() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        assert_eq!(&z[..2], &[0x78, 0x01]);
        assert_eq!(z[2], 0, "first block is not final");
        assert_eq!(u16::from_le_bytes([z[3], z[4]]), 65_535);
        assert_eq!(u16::from_le_bytes([z[5], z[6]]), 0);
        let second = 2 + 5 + 65_535;
        assert_eq!(z[second], 1, "second block is final");
        assert_eq!(u16::from_le_bytes([z[second + 1], z[second + 2]]), 4_465);
        assert_eq!(z.len(), 2 + 5 + 65_535 + 5 + 4_465 + 4);
        assert_eq!(z[z.len() - 4..], adler32(&data).to_be_bytes());
    }

    #[test]
    fn image_has_signature_header_data_end_and_the_text() {
        let pixels: Vec<u8> = (0..6u8).collect();
        let png = encode_gray(3, 2, &pixels, &[("visanav-fake-code", "AB12C")]);
        assert_eq!(png[..8], SIGNATURE);
        let found = chunks(&png).expect("valid chunks");
        let kinds: Vec<&[u8; 4]> = found.iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, [b"IHDR", b"tEXt", b"IDAT", b"IEND"]);
        let ihdr = found[0].1;
        assert_eq!(ihdr, [0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0]);
        // IDAT: zlib header, one final stored block of 2 rows × (filter byte + 3 pixels).
        let idat = found[2].1;
        assert_eq!(idat[..7], [0x78, 0x01, 1, 8, 0, 0xf7, 0xff]);
        assert_eq!(idat[7..15], [0, 0, 1, 2, 0, 3, 4, 5]);
        assert!(found[3].1.is_empty());
        assert_eq!(png[png.len() - 4..], 0xae42_6082u32.to_be_bytes());
        assert_eq!(
            read_text(&png, "visanav-fake-code").as_deref(),
            Some("AB12C")
        );
        assert_eq!(read_text(&png, "other"), None);
    }

    #[test]
    fn a_damaged_image_is_not_read() {
        let mut png = encode_gray(1, 1, &[0], &[("visanav-fake-code", "Q1")]);
        let at = png.len() - 20;
        png[at] ^= 0xff;
        assert_eq!(chunks(&png), None);
        assert_eq!(read_text(b"not a png", "visanav-fake-code"), None);
        assert_eq!(read_text(&png[..30], "visanav-fake-code"), None);
    }
}
