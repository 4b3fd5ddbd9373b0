import type { ThemeConfig } from 'antd';

/**
 * The operator's system asks for less motion (an accessibility setting): antd's transitions and the charts' animations
 * are then off. Read once: the setting rarely changes while a page is open.
 */
export const reducedMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/** The console's and the sidebar's antd theme. */
export const appTheme: ThemeConfig = { token: { colorPrimary: '#1677ff', motion: !reducedMotion } };
