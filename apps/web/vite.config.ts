import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// `npm run dev -w @scrm/web` serves the console with hot reload and proxies the API to a server on :3000
// (`npm start`, or SCRM_API_URL).
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: { '/scrm': { target: process.env.SCRM_API_URL ?? 'http://localhost:3000', changeOrigin: true } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2500,
    // Two pages: the console (index.html) and the employee sidebar inside WeCom (sidebar/index.html, served at /sidebar/).
    rollupOptions: { input: { console: fileURLToPath(new URL('index.html', import.meta.url)), sidebar: fileURLToPath(new URL('sidebar/index.html', import.meta.url)) } },
  },
});
