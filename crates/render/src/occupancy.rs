//! The occupancy grid: one byte per block of texels saying whether any sample inside the
//! block can see density. The ray marcher jumps over empty blocks instead of sampling
//! them; because the grid is conservative (it counts the texels that trilinear filtering
//! reaches from inside the block, plus one for rounding), skipping never changes a pixel.

/// Coarse grid over a scene's texels.
#[derive(Debug, Clone, PartialEq)]
pub struct Occupancy {
    /// Blocks per axis (x, y, z): `ceil(texels / block)`.
    pub dims: [u32; 3],
    /// Texels per block edge.
    pub block: u32,
    /// 1 where the block can hold density, 0 where rays may skip it; x fastest.
    pub cells: Vec<u8>,
}

impl Occupancy {
    /// Marks every block whose samples can reach a texel with density above zero.
    pub fn build(density: &[f32], grid: [u32; 3], block: u32) -> Self {
        let block = block.max(1);
        let dims = grid.map(|n| n.div_ceil(block));
        let [gx, gy, gz] = grid.map(|n| n as i64);
        let [ox, oy, oz] = dims.map(|n| n as usize);
        let mut cells = vec![0u8; ox * oy * oz];
        let b = block as i64;
        // A texel at t influences samples in blocks whose widened texel range
        // [c·b − 2, (c+1)·b + 1] contains t.
        let blocks_of = |t: i64, n: usize| {
            let lo = (-(b + 1 - t).div_euclid(b)).max(0) as usize;
            let hi = ((t + 2).div_euclid(b)).min(n as i64 - 1) as usize;
            lo..=hi
        };
        for z in 0..gz {
            for y in 0..gy {
                for x in 0..gx {
                    if density[(x + gx * (y + gy * z)) as usize] <= 0.0 {
                        continue;
                    }
                    for cz in blocks_of(z, oz) {
                        for cy in blocks_of(y, oy) {
                            for cx in blocks_of(x, ox) {
                                cells[cx + ox * (cy + oy * cz)] = 1;
                            }
                        }
                    }
                }
            }
        }
        Self { dims, block, cells }
    }

    /// Shape of the stored tensor, `[oz, oy, ox]`.
    pub fn tensor_shape(&self) -> [usize; 3] {
        [
            self.dims[2] as usize,
            self.dims[1] as usize,
            self.dims[0] as usize,
        ]
    }

    /// The first block that `stored` marks empty although this grid marks it occupied.
    pub fn first_uncovered(&self, stored: &[f32]) -> Option<[u32; 3]> {
        let i = self
            .cells
            .iter()
            .zip(stored)
            .position(|(&need, &have)| need != 0 && have == 0.0)?;
        let (ox, oy) = (self.dims[0] as usize, self.dims[1] as usize);
        Some([
            (i % ox) as u32,
            ((i / ox) % oy) as u32,
            (i / (ox * oy)) as u32,
        ])
    }

    /// Whether block `c` (clamped to the grid) can hold density.
    pub fn occupied(&self, c: [i32; 3]) -> bool {
        let [x, y, z] = std::array::from_fn(|a| c[a].clamp(0, self.dims[a] as i32 - 1) as usize);
        let (ox, oy) = (self.dims[0] as usize, self.dims[1] as usize);
        self.cells[x + ox * (y + oy * z)] != 0
    }

    /// Share of blocks that are empty.
    pub fn empty_share(&self) -> f64 {
        let empty = self.cells.iter().filter(|&&c| c == 0).count();
        empty as f64 / self.cells.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_texel_marks_its_block_and_the_reachable_neighbours() {
        let grid = [16, 16, 16];
        let mut d = vec![0.0; 16 * 16 * 16];
        d[8 + 16 * (8 + 16 * 8)] = 0.5; // texel (8, 8, 8): first texel of block 2 (block 4)
        let o = Occupancy::build(&d, grid, 4);
        assert_eq!(o.dims, [4, 4, 4]);
        assert!(o.occupied([2, 2, 2]));
        assert!(
            o.occupied([1, 1, 1]),
            "trilinear reach into the block before"
        );
        assert!(!o.occupied([0, 0, 0]));
        assert!(!o.occupied([3, 3, 3]));
        assert!(o.empty_share() > 0.8);
    }
}
