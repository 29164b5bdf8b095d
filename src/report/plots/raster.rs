//! Text on the PNG side. plotters' bitmap text drawing (0.3.7, `ab_glyph`)
//! drops each glyph's side bearing and rounds the pen to whole pixels, so
//! letters bunch up and gap ("fa iled"). [`Raster`] wraps the bitmap
//! backend and draws text itself with the same font, sized and placed as
//! an SVG viewer places plotters' SVG text (font-size = size / 1.24, the
//! same anchor offsets), so the PNG and the SVG match. Everything else is
//! passed to the bitmap backend untouched.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use plotters::backend::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// plotters' SVG backend writes `font-size` as the style's size over this.
const SVG_SIZE_RATIO: f64 = 1.24;
/// DejaVu Sans' x-height, in ems (SVG's `ex` for the Center/Bottom anchors).
const X_HEIGHT_EM: f32 = 1120.0 / 2048.0;
/// SVG's `dy` for the Top anchor, in ems.
const TOP_EM: f32 = 0.76;

/// The bundled font, parsed once.
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(super::DEJAVU_SANS).ok())
        .as_ref()
}

/// The bitmap backend with its text drawn by [`Raster::draw_text`].
pub(super) struct Raster<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> Raster<'a> {
    /// Draws into `buffer`, RGB rows of `size`.
    pub fn new(buffer: &'a mut [u8], size: (u32, u32)) -> Self {
        Raster {
            inner: BitMapBackend::with_buffer(buffer, size),
        }
    }
}

/// Glyphs of `text` laid out on a baseline at y = 0 from x = 0, and the
/// pen's final x (the text's width).
fn layout(font: &FontRef<'static>, scale: PxScale, text: &str) -> (Vec<Glyph>, f32) {
    let scaled = font.as_scaled(scale);
    let mut pen = 0.0;
    let mut prev = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        glyphs.push(id.with_scale_and_position(scale, point(pen, 0.0)));
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    (glyphs, pen)
}

/// Where the anchor puts the text's start and baseline, relative to the
/// anchor point, for an em of `em` pixels and a width of `width`.
fn anchor_offset(h: HPos, v: VPos, em: f32, width: f32) -> (f32, f32) {
    let dx = match h {
        HPos::Left => 0.0,
        HPos::Center => -width / 2.0,
        HPos::Right => -width,
    };
    let dy = match v {
        VPos::Top => TOP_EM * em,
        VPos::Center => 0.5 * X_HEIGHT_EM * em,
        VPos::Bottom => -0.5 * X_HEIGHT_EM * em,
    };
    (dx, dy)
}

impl<'a> DrawingBackend for Raster<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    /// Lays the text out with kerning and sub-pixel pen positions, places
    /// it as SVG would (anchor, rotation about the anchor point) and blends
    /// each glyph's coverage into the buffer.
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let Some(font) = font() else {
            return self.inner.draw_text(text, style, pos);
        };
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let em = (style.size() / SVG_SIZE_RATIO) as f32;
        let Some(per_em) = font.units_per_em() else {
            return Ok(());
        };
        let scale = PxScale::from(em * font.height_unscaled() / per_em);
        let (glyphs, width) = layout(font, scale, text);
        let anchor = style.anchor();
        let (dx, dy) = anchor_offset(anchor.h_pos, anchor.v_pos, em, width);
        let turn = style.transform();
        let (w, h) = self.get_size();
        for mut glyph in glyphs {
            glyph.position = point(glyph.position.x + dx, dy);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue;
            };
            let min = outline.px_bounds().min;
            let mut dots = Vec::new();
            outline.draw(|gx, gy, cover| dots.push((gx, gy, cover)));
            for (gx, gy, cover) in dots {
                let (x, y) = turn.transform(min.x as i32 + gx as i32, min.y as i32 + gy as i32);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if cover <= 0.0 || x < 0 || y < 0 || x >= w as i32 || y >= h as i32 {
                    continue;
                }
                let alpha = color.alpha * f64::from(cover.min(1.0));
                self.inner.draw_pixel(
                    (x, y),
                    BackendColor {
                        alpha,
                        rgb: color.rgb,
                    },
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kerned_layout_keeps_sub_pixel_pen_positions() {
        let font = font().expect("the bundled font parses");
        let (glyphs, width) = layout(font, PxScale::from(20.0), "failed");
        assert_eq!(glyphs.len(), 6);
        assert!(glyphs.windows(2).all(|g| g[1].position.x > g[0].position.x));
        assert!(glyphs.iter().any(|g| g.position.x.fract() != 0.0));
        assert!(width > glyphs[5].position.x);
    }

    #[test]
    fn anchors_match_svg() {
        assert_eq!(
            anchor_offset(HPos::Right, VPos::Top, 10.0, 50.0),
            (-50.0, 7.6)
        );
        let (dx, dy) = anchor_offset(HPos::Center, VPos::Center, 10.0, 50.0);
        assert_eq!(dx, -25.0);
        assert!((dy - 2.734375).abs() < 1e-6);
    }
}
