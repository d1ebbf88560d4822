//! Tests only: the layouts the GPU reads, checked by reflection. Every Rust struct that is
//! uploaded into a WGSL uniform or storage buffer is compared with the struct the shader
//! binds there, as naga lays it out from the same text the renderer compiles (the same
//! constants, the same concatenations), not with offsets copied by hand.
//!
//! Each Rust struct has a small table beside it (the `layout` test module in its file):
//! Rust field → the WGSL member it feeds, plus a byte offset inside that member where a
//! Rust field fills only part of one. [`struct_drift`] then checks, and names the field:
//! - the Rust size equals the WGSL struct's span;
//! - every row's Rust offset equals its member's offset (+ the offset inside it), its
//!   bytes fit the member and its scalars (f32/u32/i32) are the member's;
//! - the rows cover the Rust struct without a gap (`Pod` structs have no padding, so a gap
//!   is a Rust field the table does not name) and every WGSL member without a gap.
//!
//! So a field added, removed, reordered or resized on either side fails the test.
//!
//! Checked: `renderer::Uniforms` ↔ `Frame` (`@group(0) @binding(0)`) in the ray-march,
//! grade, splat-project and splat-draw modules, and its sign planes ↔ `Sign`;
//! `splat::gpu::SplatParams` ↔ `SplatParams` (`@binding(1)`) in both splat modules;
//! `splat::gpu::SortPass` ↔ `SortPass` (`@binding(0)`) in the radix sort;
//! `grade::gpu::Params` ↔ `Params` (`@binding(0)`) in every variant of the image grade.
//! The storage buffers of plain `vec4<f32>`/`vec2<u32>`/`u32` arrays have no struct.
//! The desktop crate mounts this file too (`#[path]`), for the HUD's `Screen` uniform and
//! its vertex buffer; each crate uses part of it.
#![allow(dead_code)]

use naga::{AddressSpace, Handle, Module, ScalarKind, Type, TypeInner};

/// What a Rust field is made of, through arrays.
pub(crate) trait Scalars {
    const KIND: ScalarKind;
}

impl Scalars for f32 {
    const KIND: ScalarKind = ScalarKind::Float;
}

impl Scalars for u32 {
    const KIND: ScalarKind = ScalarKind::Uint;
}

impl Scalars for i32 {
    const KIND: ScalarKind = ScalarKind::Sint;
}

impl<T: Scalars, const N: usize> Scalars for [T; N] {
    const KIND: ScalarKind = T::KIND;
}

/// One row of a struct's table: a Rust field and the WGSL member it feeds.
#[derive(Debug)]
pub(crate) struct Row {
    /// The Rust field's name.
    pub rust: String,
    /// Its offset in the Rust struct.
    pub offset: usize,
    /// Its size in bytes.
    pub size: usize,
    /// What its scalars are.
    pub kind: ScalarKind,
    /// The WGSL member it feeds.
    pub member: &'static str,
    /// Where in that member it starts (0: at the member's start).
    pub within: u32,
}

impl Row {
    /// The row for field `rust` of `S` (at `offset`, read by `field`), feeding WGSL member
    /// `member` from byte `within` of it.
    pub fn field<S, T: Scalars>(
        rust: &str,
        offset: usize,
        _field: impl Fn(&S) -> &T,
        member: &'static str,
        within: u32,
    ) -> Self {
        Self {
            rust: rust.to_owned(),
            offset,
            size: std::mem::size_of::<T>(),
            kind: T::KIND,
            member,
            within,
        }
    }

    /// The rows for the elements of a Rust array `[T; N]` that stands for a WGSL struct,
    /// element `i` feeding member `members[i]`.
    pub fn elements<T: Scalars, const N: usize>(members: [&'static str; N]) -> Vec<Self> {
        let size = std::mem::size_of::<T>();
        members
            .into_iter()
            .enumerate()
            .map(|(i, member)| Self {
                rust: format!("[{i}]"),
                offset: i * size,
                size,
                kind: T::KIND,
                member,
                within: 0,
            })
            .collect()
    }
}

/// The table of Rust struct `S`: `rows!(S { field => "member", field => "member" + 12 })`,
/// `+ n` where the field starts `n` bytes into the member.
macro_rules! rows {
    ($s:ty { $($field:ident => $member:literal $(+ $within:literal)?),* $(,)? }) => {
        vec![$(
            $crate::layout_check::Row::field(
                stringify!($field),
                std::mem::offset_of!($s, $field),
                |s: &$s| &s.$field,
                $member,
                0 $(+ $within)?,
            )
        ),*]
    };
}
pub(crate) use rows;

/// `source` parsed as naga does for wgpu; `name` says which shader in a failure.
pub(crate) fn parse(name: &str, source: &str) -> Module {
    naga::front::wgsl::parse_str(source).unwrap_or_else(|e| {
        panic!(
            "{name}: the WGSL does not parse\n{}",
            e.emit_to_string(source)
        )
    })
}

/// The type of the buffer the module binds at `@group(group) @binding(binding)`.
pub(crate) fn bound_type(
    module: &Module,
    group: u32,
    binding: u32,
) -> Result<Handle<Type>, String> {
    module
        .global_variables
        .iter()
        .find_map(|(_, g)| {
            let b = g.binding.as_ref()?;
            let buffer = matches!(
                g.space,
                AddressSpace::Uniform | AddressSpace::Storage { .. }
            );
            (buffer && b.group == group && b.binding == binding).then_some(g.ty)
        })
        .ok_or_else(|| {
            format!("no uniform or storage buffer at @group({group}) @binding({binding})")
        })
}

/// The struct type named `name`.
pub(crate) fn named_type(module: &Module, name: &str) -> Result<Handle<Type>, String> {
    module
        .types
        .iter()
        .find_map(|(h, t)| (t.name.as_deref() == Some(name)).then_some(h))
        .ok_or_else(|| format!("no WGSL type named `{name}`"))
}

/// The scalars of a WGSL type, if it has one kind throughout.
fn scalar_kind(module: &Module, ty: Handle<Type>) -> Option<ScalarKind> {
    match &module.types[ty].inner {
        TypeInner::Scalar(s) | TypeInner::Atomic(s) => Some(s.kind),
        TypeInner::Vector { scalar, .. } | TypeInner::Matrix { scalar, .. } => Some(scalar.kind),
        TypeInner::Array { base, .. } => scalar_kind(module, *base),
        TypeInner::Struct { members, .. } => {
            let mut kinds = members.iter().map(|m| scalar_kind(module, m.ty));
            let first = kinds.next()??;
            kinds.all(|k| k == Some(first)).then_some(first)
        }
        _ => None,
    }
}

/// Bytes of Rust struct `rust` (`size` bytes) that no row names: the rows must tile it, as
/// a `Pod` struct has no padding; a gap is a field the table leaves out.
pub(crate) fn untabled(rust: &str, size: usize, rows: &[Row]) -> Vec<String> {
    let mut by_offset: Vec<&Row> = rows.iter().collect();
    by_offset.sort_by_key(|r| r.offset);
    let mut out = Vec::new();
    let mut at = 0;
    for r in &by_offset {
        if r.offset > at {
            out.push(format!(
                "Rust `{rust}` bytes {at}..{} are in no row of the table (a Rust field added without naming the WGSL member it feeds?)",
                r.offset
            ));
        } else if r.offset < at {
            out.push(format!(
                "Rust `{rust}.{}` overlaps the row before it (listed twice?)",
                r.rust
            ));
        }
        at = at.max(r.offset + r.size);
    }
    if at < size {
        out.push(format!(
            "Rust `{rust}` bytes {at}..{size} are in no row of the table (a Rust field added without naming the WGSL member it feeds?)"
        ));
    }
    out
}

/// How Rust struct `rust` (`size` bytes, fields `rows`) differs from WGSL struct type `ty`
/// of `module`: one line per drift, empty when they agree.
pub(crate) fn struct_drift(
    module: &Module,
    ty: Handle<Type>,
    rust: &str,
    size: usize,
    rows: &[Row],
) -> Vec<String> {
    let t = &module.types[ty];
    let wgsl = t.name.as_deref().unwrap_or("(unnamed)");
    let TypeInner::Struct { members, span } = &t.inner else {
        return vec![format!("WGSL `{wgsl}` is not a struct")];
    };
    let gctx = module.to_ctx();
    let mut out = Vec::new();
    if *span as usize != size {
        out.push(format!(
            "size: Rust `{rust}` is {size} bytes, WGSL `{wgsl}` is {span}"
        ));
    }
    out.extend(untabled(rust, size, rows));

    // Each row sits where its member is, fits it and holds the same scalars.
    for r in rows {
        let Some(m) = members.iter().find(|m| m.name.as_deref() == Some(r.member)) else {
            out.push(format!(
                "Rust `{rust}.{}` feeds WGSL `{wgsl}.{}`, which does not exist",
                r.rust, r.member
            ));
            continue;
        };
        let inside = if r.within > 0 {
            format!(" + {}", r.within)
        } else {
            String::new()
        };
        let want = (m.offset + r.within) as usize;
        if r.offset != want {
            out.push(format!(
                "Rust `{rust}.{}` is at byte {}, but WGSL `{wgsl}.{}`{inside} is at byte {want}",
                r.rust, r.offset, r.member
            ));
        }
        let member_size = module.types[m.ty].inner.size(gctx) as usize;
        if r.within as usize + r.size > member_size {
            out.push(format!(
                "Rust `{rust}.{}` ({} bytes from byte {} of it) runs past WGSL `{wgsl}.{}` ({member_size} bytes)",
                r.rust, r.size, r.within, r.member
            ));
        }
        match scalar_kind(module, m.ty) {
            Some(k) if k != r.kind => out.push(format!(
                "Rust `{rust}.{}` holds {:?} scalars, WGSL `{wgsl}.{}` holds {k:?}",
                r.rust, r.kind, r.member
            )),
            _ => {}
        }
    }

    // Each member is fed whole.
    for m in members {
        let name = m.name.as_deref().unwrap_or("(unnamed)");
        let member_size = module.types[m.ty].inner.size(gctx) as usize;
        let fed: usize = rows
            .iter()
            .filter(|r| r.member == name)
            .map(|r| r.size)
            .sum();
        if fed == 0 {
            out.push(format!(
                "WGSL `{wgsl}.{name}` (byte {}) is fed by no Rust field of `{rust}` in the table",
                m.offset
            ));
        } else if fed != member_size {
            out.push(format!(
                "WGSL `{wgsl}.{name}` is {member_size} bytes, the Rust fields of `{rust}` feeding it {fed}"
            ));
        }
    }
    out
}

/// [`struct_drift`] for the buffer bound at `@group(group) @binding(binding)`, which must
/// be of the WGSL struct named `wgsl`.
pub(crate) fn binding_drift(
    module: &Module,
    (group, binding): (u32, u32),
    wgsl: &str,
    rust: &str,
    size: usize,
    rows: &[Row],
) -> Vec<String> {
    let ty = match bound_type(module, group, binding) {
        Ok(ty) => ty,
        Err(e) => return vec![e],
    };
    let name = module.types[ty].name.as_deref().unwrap_or("(unnamed)");
    if name != wgsl {
        return vec![format!(
            "@group({group}) @binding({binding}) is a `{name}`, not a `{wgsl}`"
        )];
    }
    struct_drift(module, ty, rust, size, rows)
}

/// Fails listing every drift, `what` saying which shader and which struct.
#[track_caller]
pub(crate) fn assert_no_drift(what: &str, drift: &[String]) {
    assert!(
        drift.is_empty(),
        "{what}: the Rust struct and the shader disagree:\n  - {}",
        drift.join("\n  - ")
    );
}

mod tests {
    use super::*;
    use bytemuck::{Pod, Zeroable};

    const SHADER: &str = "
struct Frame {
    eye: vec4<f32>,
    counts: vec2<u32>,
    seed: u32,
    pad: u32,
};
@group(0) @binding(0) var<uniform> frame: Frame;
";

    /// The eye's w (tan of half the field of view) as a field of its own.
    #[repr(C)]
    #[derive(Clone, Copy, Pod, Zeroable)]
    struct Split {
        eye: [f32; 3],
        tan_half_fov: f32,
        counts: [u32; 2],
        seed: u32,
        pad: u32,
    }

    #[repr(C)]
    #[derive(Clone, Copy, Pod, Zeroable)]
    struct Swapped {
        eye: [f32; 4],
        seed: u32,
        counts: [u32; 2],
        pad: u32,
    }

    #[repr(C)]
    #[derive(Clone, Copy, Pod, Zeroable)]
    struct Longer {
        eye: [f32; 4],
        counts: [u32; 2],
        seed: u32,
        pad: u32,
        extra: [f32; 4],
    }

    fn drift<S>(rows: &[Row]) -> Vec<String> {
        let module = parse("test", SHADER);
        binding_drift(
            &module,
            (0, 0),
            "Frame",
            "S",
            std::mem::size_of::<S>(),
            rows,
        )
    }

    #[test]
    fn a_field_inside_a_member_is_placed_by_its_offset_in_it() {
        let rows = rows!(Split {
            eye => "eye",
            tan_half_fov => "eye" + 12,
            counts => "counts",
            seed => "seed",
            pad => "pad",
        });
        assert_eq!(drift::<Split>(&rows), Vec::<String>::new());
        // The same field said to sit elsewhere in the member is a drift.
        let mut rows = rows;
        rows[1].within = 8;
        let d = drift::<Split>(&rows);
        assert!(
            d.iter().any(|l| l
                .contains("`S.tan_half_fov` is at byte 12, but WGSL `Frame.eye` + 8 is at byte 8")),
            "{d:?}"
        );
    }

    #[test]
    fn reordered_fields_are_named() {
        let rows = rows!(Swapped {
            eye => "eye",
            seed => "seed",
            counts => "counts",
            pad => "pad",
        });
        let d = drift::<Swapped>(&rows);
        assert!(
            d.iter()
                .any(|l| l.contains("`S.seed` is at byte 16, but WGSL `Frame.seed` is at byte 24")),
            "{d:?}"
        );
        assert!(
            d.iter()
                .any(|l| l
                    .contains("`S.counts` is at byte 20, but WGSL `Frame.counts` is at byte 16")),
            "{d:?}"
        );
    }

    #[test]
    fn a_field_on_one_side_only_is_named() {
        // Added in Rust, not in the table: the size differs and the bytes are unclaimed.
        let rows = rows!(Longer {
            eye => "eye",
            counts => "counts",
            seed => "seed",
            pad => "pad",
        });
        let d = drift::<Longer>(&rows);
        assert!(
            d.iter()
                .any(|l| l.contains("size: Rust `S` is 48 bytes, WGSL `Frame` is 32")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|l| l.contains("bytes 32..48 are in no row")),
            "{d:?}"
        );
        // Added in Rust and named in the table: WGSL has no such member.
        let rows = rows!(Longer {
            eye => "eye",
            counts => "counts",
            seed => "seed",
            pad => "pad",
            extra => "extra",
        });
        let d = drift::<Longer>(&rows);
        assert!(
            d.iter()
                .any(|l| l.contains("`S.extra` feeds WGSL `Frame.extra`, which does not exist")),
            "{d:?}"
        );
        // A WGSL member no Rust field feeds.
        let rows = rows!(Split {
            eye => "eye",
            tan_half_fov => "eye" + 12,
            counts => "counts",
            seed => "seed",
            pad => "seed",
        });
        let d = drift::<Split>(&rows);
        assert!(
            d.iter()
                .any(|l| l.contains("WGSL `Frame.pad` (byte 28) is fed by no Rust field")),
            "{d:?}"
        );
    }

    #[test]
    fn scalars_of_another_kind_are_named() {
        #[repr(C)]
        #[derive(Clone, Copy, Pod, Zeroable)]
        struct Floats {
            eye: [f32; 4],
            counts: [f32; 2],
            seed: u32,
            pad: u32,
        }
        let rows = rows!(Floats {
            eye => "eye",
            counts => "counts",
            seed => "seed",
            pad => "pad",
        });
        let d = drift::<Floats>(&rows);
        assert_eq!(
            d,
            ["Rust `S.counts` holds Float scalars, WGSL `Frame.counts` holds Uint"]
        );
    }

    #[test]
    fn the_bound_struct_is_found_by_binding_and_name() {
        let module = parse("test", SHADER);
        let d = binding_drift(&module, (0, 1), "Frame", "S", 32, &[]);
        assert_eq!(d, ["no uniform or storage buffer at @group(0) @binding(1)"]);
        let d = binding_drift(&module, (0, 0), "Params", "S", 32, &[]);
        assert_eq!(d, ["@group(0) @binding(0) is a `Frame`, not a `Params`"]);
    }
}
