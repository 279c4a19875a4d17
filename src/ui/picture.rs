//! The previewed picture's on-screen state, in the terminal's graphics protocol.
//!
//! Invariant: drawing never scales or encodes a picture. `ratatui-image`'s `ThreadProtocol`
//! sends that work (for a new picture or a new pane size) to a worker thread through the
//! channel made here, and draws nothing for the picture until the worker's result comes back
//! (to the app loop, on a channel of its own: it is render state, not an event) and is handed
//! to [`Pictures::resized`]; so a resize or a
//! 20-megapixel picture costs the UI task nothing but one copy of the (already scaled-down)
//! picture when it first appears. Only the picture on screen is kept.

use image::DynamicImage;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui_image::picker::{Picker, ProtocolType};
use ratatui_image::thread::{ResizeRequest, ResizeResponse, ThreadProtocol};
use ratatui_image::{FilterType, Resize, StatefulImage};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

pub struct Pictures {
    picker: Picker,
    tx: Sender<ResizeRequest>,
    /// The worker's end of the channel, until the app takes it to start the worker.
    requests: Option<Receiver<ResizeRequest>>,
    shown: Option<Shown>,
}

struct Shown {
    image: Arc<DynamicImage>,
    state: ThreadProtocol,
}

impl Default for Pictures {
    fn default() -> Pictures {
        Pictures::new(Picker::halfblocks())
    }
}

impl std::fmt::Debug for Pictures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pictures")
            .field("protocol", &self.picker.protocol_type())
            .field("shown", &self.shown.is_some())
            .finish()
    }
}

impl Pictures {
    pub fn new(picker: Picker) -> Pictures {
        let (tx, requests) = channel();
        Pictures {
            picker,
            tx,
            requests: Some(requests),
            shown: None,
        }
    }

    /// Uses `picker` (the terminal's protocol and cell size) from now on.
    pub fn set_picker(&mut self, picker: Picker) {
        self.picker = picker;
        self.shown = None;
    }

    pub fn protocol(&self) -> ProtocolType {
        self.picker.protocol_type()
    }

    /// The requests the worker must serve: resize and encode, then send the response back.
    pub fn take_requests(&mut self) -> Option<Receiver<ResizeRequest>> {
        self.requests.take()
    }

    /// Takes a worker's result; true when it is for the picture on screen.
    pub fn resized(&mut self, response: ResizeResponse) -> bool {
        self.shown
            .as_mut()
            .is_some_and(|shown| shown.state.update_resized_protocol(response))
    }

    /// Forgets the picture (the preview closed or shows something else).
    pub fn clear(&mut self) {
        self.shown = None;
    }

    /// Draws `image` scaled to fill `area` (keeping its proportions), or nothing while the
    /// worker scales it.
    pub(super) fn draw(&mut self, image: &Arc<DynamicImage>, frame: &mut Frame, area: Rect) {
        if !self
            .shown
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(&s.image, image))
        {
            let protocol = self.picker.new_resize_protocol(image.as_ref().clone());
            self.shown = Some(Shown {
                image: image.clone(),
                state: ThreadProtocol::new(self.tx.clone(), Some(protocol)),
            });
        }
        if let Some(shown) = &mut self.shown {
            let widget = StatefulImage::default().resize(Resize::Scale(Some(FilterType::Triangle)));
            frame.render_stateful_widget(widget, area, &mut shown.state);
        }
    }
}

/// Serves resize requests on a thread of its own until the last sender is gone, passing each
/// result to `deliver`.
pub fn spawn_worker(
    requests: Receiver<ResizeRequest>,
    deliver: impl Fn(Result<ResizeResponse, String>) + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("clab-pictures".into())
        .spawn(move || {
            while let Ok(request) = requests.recv() {
                deliver(request.resize_encode().map_err(|e| e.to_string()));
            }
        })
        .map(drop)
}
