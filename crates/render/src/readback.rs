//! Reading 2D textures back to the CPU: the copy into a mappable buffer (rows padded to
//! wgpu's 256-byte alignment) and the wait for it, shared by the renderer and the grader.

/// Why a read-back failed. Each variant is wgpu's own error, displayed in wgpu's words,
/// so callers can tell a failed wait (a lost device) from a refused mapping.
#[derive(Debug, thiserror::Error)]
pub enum ReadbackError {
    /// Waiting for the submitted work failed.
    #[error(transparent)]
    Poll(#[from] wgpu::PollError),
    /// The buffer could not be mapped.
    #[error(transparent)]
    Map(#[from] wgpu::BufferAsyncError),
    /// The mapped bytes could not be viewed.
    #[error(transparent)]
    Range(#[from] wgpu::MapRangeError),
    /// The mapping callback was dropped without answering (the device went away).
    #[error(transparent)]
    Dropped(#[from] crossbeam_channel::RecvError),
}

/// A mappable buffer sized for textures of one size and texel width.
pub struct Readback {
    buffer: wgpu::Buffer,
    width: u32,
    height: u32,
    row_bytes: u32,
    padded_row: u32,
}

impl Readback {
    /// A buffer for `width`×`height` textures of `texel_bytes` bytes per texel.
    pub fn new(device: &wgpu::Device, width: u32, height: u32, texel_bytes: u32) -> Self {
        let row_bytes = width * texel_bytes;
        let padded_row = row_bytes.div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
            * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
        let buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: padded_row as u64 * height as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            buffer,
            width,
            height,
            row_bytes,
            padded_row,
        }
    }

    /// Records the copy of `texture` (mip 0, whole) into the buffer.
    pub fn record(&self, enc: &mut wgpu::CommandEncoder, texture: &wgpu::Texture) {
        enc.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.padded_row),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
    }

    /// Waits for the submitted copy and hands each row (without padding) to `row`, top first.
    pub fn read(&self, device: &wgpu::Device, row: impl FnMut(&[u8])) -> Result<(), ReadbackError> {
        self.read_after(device, None, row)
    }

    /// Like [`Readback::read`], waiting only for `submission` (later work may keep running).
    pub fn read_after(
        &self,
        device: &wgpu::Device,
        submission: Option<wgpu::SubmissionIndex>,
        mut row: impl FnMut(&[u8]),
    ) -> Result<(), ReadbackError> {
        let slice = self.buffer.slice(..);
        map_for_reading(device, &slice, submission)?;
        {
            let data = slice.get_mapped_range()?;
            for r in data
                .chunks(self.padded_row as usize)
                .take(self.height as usize)
            {
                row(&r[..self.row_bytes as usize]);
            }
        }
        self.buffer.unmap();
        Ok(())
    }
}

/// Maps `slice` for reading once `submission` (or all work) has finished, and waits.
pub fn map_for_reading(
    device: &wgpu::Device,
    slice: &wgpu::BufferSlice,
    submission: Option<wgpu::SubmissionIndex>,
) -> Result<(), ReadbackError> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    device.poll(wgpu::PollType::Wait {
        submission_index: submission,
        timeout: None,
    })?;
    rx.recv()??;
    Ok(())
}
