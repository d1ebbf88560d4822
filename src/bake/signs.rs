//! The demo's shop signs, drawn from code: a lit panel with a border and block
//! lettering (a 3×5 pixel font), in English and French, as straight-alpha RGBA PNGs.

/// Rows of a 3×5 glyph, top first; bit 2 is the left column.
fn glyph(c: char) -> [u8; 5] {
    match c.to_ascii_uppercase() {
        'A' => [2, 5, 7, 5, 5],
        'B' => [6, 5, 6, 5, 6],
        'C' => [3, 4, 4, 4, 3],
        'D' => [6, 5, 5, 5, 6],
        'E' => [7, 4, 6, 4, 7],
        'F' => [7, 4, 6, 4, 4],
        'G' => [3, 4, 5, 5, 3],
        'H' => [5, 5, 7, 5, 5],
        'I' => [7, 2, 2, 2, 7],
        'J' => [1, 1, 1, 5, 2],
        'K' => [5, 5, 6, 5, 5],
        'L' => [4, 4, 4, 4, 7],
        'M' => [5, 7, 7, 5, 5],
        'N' => [6, 5, 5, 5, 5],
        'O' => [2, 5, 5, 5, 2],
        'P' => [6, 5, 6, 4, 4],
        'Q' => [2, 5, 5, 6, 3],
        'R' => [6, 5, 6, 5, 5],
        'S' => [3, 4, 2, 1, 6],
        'T' => [7, 2, 2, 2, 2],
        'U' => [5, 5, 5, 5, 7],
        'V' => [5, 5, 5, 5, 2],
        'W' => [5, 5, 7, 7, 5],
        'X' => [5, 5, 2, 5, 5],
        'Y' => [5, 5, 2, 2, 2],
        'Z' => [7, 1, 2, 4, 7],
        _ => [0; 5],
    }
}

/// A `w`×`h` sign reading `lines`, panel colour `panel`, letters and border `ink`.
fn draw(w: u32, h: u32, lines: &[&str], panel: [u8; 3], ink: [u8; 3]) -> Vec<u8> {
    let mut px = vec![0u8; (w * h * 4) as usize];
    let border = h / 16;
    for y in 0..h {
        for x in 0..w {
            let edge = x < border || y < border || x >= w - border || y >= h - border;
            let c = if edge { ink } else { panel };
            let o = ((x + w * y) * 4) as usize;
            px[o..o + 3].copy_from_slice(&c);
            px[o + 3] = 255;
        }
    }
    let widest = lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1)
        .max(1) as u32;
    let scale = ((w - 4 * border) / (4 * widest))
        .min((h - 4 * border) / (6 * lines.len().max(1) as u32))
        .max(1);
    let top = (h - 6 * scale * lines.len() as u32 + scale) / 2;
    for (li, line) in lines.iter().enumerate() {
        let width = 4 * scale * line.chars().count() as u32 - scale;
        let left = (w - width) / 2;
        for (ci, ch) in line.chars().enumerate() {
            for (row, bits) in glyph(ch).into_iter().enumerate() {
                for col in 0..3u32 {
                    if bits >> (2 - col) & 1 == 0 {
                        continue;
                    }
                    let x0 = left + (4 * ci as u32 + col) * scale;
                    let y0 = top + (6 * li as u32 + row as u32) * scale;
                    for y in y0..y0 + scale {
                        for x in x0..x0 + scale {
                            let o = ((x + w * y) * 4) as usize;
                            px[o..o + 3].copy_from_slice(&ink);
                        }
                    }
                }
            }
        }
    }
    px
}

fn png(w: u32, h: u32, rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().expect("in-memory PNG header");
    writer.write_image_data(rgba).expect("in-memory PNG data");
    writer.finish().expect("in-memory PNG end");
    out
}

/// A sign's file stem, its lines, panel colour and ink colour.
type SignSpec = (&'static str, &'static [&'static str], [u8; 3], [u8; 3]);

/// The demo's signs as (file name, PNG bytes).
pub fn demo_signs() -> Vec<(String, Vec<u8>)> {
    let signs: [SignSpec; 6] = [
        (
            "night-market",
            &["NIGHT", "MARKET"],
            [40, 24, 8],
            [255, 190, 90],
        ),
        (
            "night-market.fr",
            &["MARCHE", "DE NUIT"],
            [40, 24, 8],
            [255, 190, 90],
        ),
        (
            "neon-arcade",
            &["NEON", "ARCADE"],
            [20, 6, 30],
            [255, 80, 220],
        ),
        (
            "neon-arcade.fr",
            &["ARCADE", "NEON"],
            [20, 6, 30],
            [255, 80, 220],
        ),
        (
            "partner-soda",
            &["FIZZ", "SODA"],
            [120, 10, 10],
            [255, 240, 230],
        ),
        (
            "partner-soda.fr",
            &["SODA", "FIZZ"],
            [120, 10, 10],
            [255, 240, 230],
        ),
    ];
    signs
        .into_iter()
        .map(|(name, lines, panel, ink)| {
            let (w, h) = (128, 64);
            (
                format!("{name}.png"),
                png(w, h, &draw(w, h, lines, panel, ink)),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_drawn_inside_the_border() {
        let px = draw(64, 32, &["HI"], [0, 0, 0], [255, 255, 255]);
        let lit = px.chunks_exact(4).filter(|p| p[0] == 255).count();
        let border = 2 * (64 + 32) * 2 - 16;
        assert!(lit > border, "lettering drawn: {lit} lit pixels");
        assert_eq!(glyph('?'), [0; 5]);
    }
}
