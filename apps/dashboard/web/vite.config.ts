/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The app: built into ../dist/web (the dashboard server serves it); `vite` alone serves it for
// development, proxying the server's routes to a dashboard on :8000.
export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: Object.fromEntries(['/api', '/auth', '/events'].map((p) => [p, { target: 'http://127.0.0.1:8000', changeOrigin: false }])),
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
