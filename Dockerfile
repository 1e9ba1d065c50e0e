# syntax=docker/dockerfile:1
# Multi-stage: install with dev tools, ship only production deps, run as a non-root user.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV REDISMS_DISABLE_POSTINSTALL=1
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data KNOWLEDGE_STATUTES_DIR=/laws
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY intents ./intents
COPY knowledge ./knowledge
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=64", "--import", "./src/app/run-typescript.mjs", "src/app/main.ts"]
