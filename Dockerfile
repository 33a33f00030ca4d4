FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY seed ./seed
COPY profiles ./profiles
COPY implementation-guide ./implementation-guide
EXPOSE 8080
USER node
# the node flags of `npm start` (package.json; tests/node-flags.test.ts keeps them equal)
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
