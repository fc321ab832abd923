// React Flow watches every node it draws with a ResizeObserver. A node's
// first report (every node's, in the frame that first draws it, before that
// frame is painted) makes it measure the node and all its handles in the
// page and replace the node in its store, which draws every node and every
// link again: with 500 nodes, a fifth of the first render, for nothing,
// since a block node's size and handles are given (geometry.ts) and are what
// the page draws (style.css; the browser test compares them).
//
// So block nodes (class react-flow__node-block: type 'block', which only
// convert.ts's blockFlowNode makes, always with a size and handles) are not
// watched; everything else (other node types, the canvas's own size, any
// other observer) is, as before. React Flow has no option for this, so the
// ResizeObserver it constructs is narrowed here, once, before any canvas is
// drawn. A far node (BlockNode's FarNode) has no handles in the page, which
// a measurement would have found missing.
const Native = window.ResizeObserver;

// Without ResizeObserver, React Flow measures nothing anyway.
if (Native) {
  window.ResizeObserver = class NarrowedResizeObserver extends Native {
    observe(target: Element, options?: ResizeObserverOptions): void {
      if (target.classList.contains('react-flow__node-block')) return;
      super.observe(target, options);
    }
  };
}
