/** What the map needs to know, from the page's server load and messages. */
export interface MapOptions {
  challengeId: string;
  /** An XYZ tile URL (`https://…/{z}/{x}/{y}.png`), when the operator set one. */
  tiles: string | null;
  /** A same-site PMTiles file (vector), when the operator set one. */
  pmtiles: string | null;
  attribution: string | null;
  /** Localized labels of the map's own controls. */
  labels: { zoomIn: string; zoomOut: string; attributions: string };
  /** Called with the cells shown after each load (for a live count beside the map). */
  onCells?: (cells: { cell: string; count: number }[]) => void;
}
