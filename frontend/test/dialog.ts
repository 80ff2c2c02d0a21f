/**
 * jsdom has `<dialog>` without its modal behaviour; opening it is all the component tests
 * need. Call once in a `beforeAll` of a test file that opens dialogs.
 */
export function openDialogsInJsdom() {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
}
