import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway serves dist/index.html at / and dist/assets/* (content-hashed, so cached for a year).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets' },
});
