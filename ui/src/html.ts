import htm from 'htm';
import { h } from 'preact';

/** Preact views as tagged templates: no JSX step in the build. */
export const html = htm.bind(h);
